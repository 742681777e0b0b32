import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { buildJsonSchema } from "./json-schema.js";

// Build step: `node dist/config/write-json-schema.js schema/berth.schema.json`.

const outputPath = process.argv[2];
if (!outputPath) {
  process.stderr.write("usage: node dist/config/write-json-schema.js <out-path>\n");
  process.exit(1);
}
const absolute = resolve(outputPath);
mkdirSync(dirname(absolute), { recursive: true });
writeFileSync(absolute, JSON.stringify(buildJsonSchema(), null, 2) + "\n");
