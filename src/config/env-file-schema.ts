import * as z from "zod";
import { field } from "./field-info.js";

/** One `env_file` entry written as a map: `{ path: .env.secrets, secret: true }`. */
export const envFileEntry = z.strictObject({
  path: field(z.string().min(1), {
    description: "The dotenv file, relative to berth.yml.",
    expected: "a file path",
    hint: "write e.g. `path: .env.secrets`",
  }),
  secret: field(z.boolean(), {
    description: "Every variable of the file is a secret: kept in the 0600 store, never printed (see docs/secrets.md).",
    expected: "true or false",
    hint: "write `secret: true`",
  }).optional(),
});
