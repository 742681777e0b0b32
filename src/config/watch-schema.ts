import * as z from "zod";
import { field } from "./field-info.js";

// `services.<name>.watch`: restart the service when its files change (dev mode).

const relativePaths = field(z.array(z.string().min(1)).min(1), {
  description: "Files or directories, relative to berth.yml, whose changes restart the service.",
  expected: "a list of paths",
  hint: "write e.g. `watch: [app, templates]`",
});

export const watchSchema = field(
  z.union([
    relativePaths,
    z.strictObject({
      paths: relativePaths,
      ignore: field(z.array(z.string().min(1)), {
        description: "Glob patterns (`*`, `**`) of files whose changes are ignored, besides .git, node_modules, __pycache__, *.pyc and editors' swap files.",
        expected: "a list of glob patterns",
        hint: "write e.g. `ignore: [\"*.log\", media/**]`",
      }).optional(),
    }),
  ]),
  {
    description: "Restart this service when files change (dev mode): a list of paths, or `{ paths, ignore }`.",
    expected: "a list of paths, or a map with paths and ignore",
    hint: "write e.g. `watch: [app]` or `watch: { paths: [app], ignore: [\"*.log\"] }`",
  },
);

export type WatchEntry = z.infer<typeof watchSchema>;
