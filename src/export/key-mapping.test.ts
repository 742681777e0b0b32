import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildJsonSchema } from "../config/json-schema.js";
import { KEY_MAPPINGS, mappingFor } from "./key-mapping.js";

type JsonSchema = { properties?: Record<string, JsonSchema>; additionalProperties?: JsonSchema | boolean; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; type?: string };

/** Every key path users can write, read from berth.yml's JSON Schema, with `*` for names they choose. */
function schemaKeys(schema: JsonSchema, path: string[] = []): string[] {
  const keys: string[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) keys.push([...path, key].join("."), ...schemaKeys(child, [...path, key]));
  if (typeof schema.additionalProperties === "object" && path.length > 0) keys.push([...path, "*"].join("."), ...schemaKeys(schema.additionalProperties, [...path, "*"]));
  for (const option of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) keys.push(...schemaKeys(option, path));
  return keys;
}

describe("the key mapping table", () => {
  const keys = [...new Set(schemaKeys(buildJsonSchema() as JsonSchema))];

  it("has a row for every key of berth.yml's schema, for every target", () => {
    assert.ok(keys.length > 50, `the schema walk found only ${keys.length} keys`);
    const missing = keys.filter((key) => !mappingFor(key.split(".")));
    assert.deepEqual(missing, []);
  });

  it("has no row for a key the schema does not have", () => {
    const extra = KEY_MAPPINGS.map((row) => row.key).filter((key) => !keys.includes(key));
    assert.deepEqual(extra, []);
  });

  it("is written out in docs/export.md word for word, one row per key and target", () => {
    const docs = readFileSync(join(fileURLToPath(import.meta.url), "../../../../docs/export.md"), "utf8");
    for (const target of ["compose", "kubernetes", "systemd"] as const) {
      const section = docs.split(/^## /m).find((part) => part.toLowerCase().startsWith(target === "compose" ? "docker compose" : target)) ?? "";
      for (const row of KEY_MAPPINGS) {
        const fate = row[target];
        const text = "becomes" in fate ? fate.becomes : `**not expressed** — ${fate.dropped}`;
        assert.ok(section.includes(`| \`${row.key}\` | ${text} |`), `docs/export.md (${target}) has no row "${row.key}: ${text}"`);
      }
    }
  });
});
