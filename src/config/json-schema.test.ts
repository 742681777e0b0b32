import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { fixtureDir } from "./fixture-dir.js";
import { buildJsonSchema } from "./json-schema.js";

type JsonObject = { properties?: Record<string, JsonObject>; additionalProperties?: JsonObject | boolean; description?: string };

describe("JSON Schema", () => {
  it("describes berth.yml, services included, with descriptions", () => {
    const schema = buildJsonSchema() as JsonObject & { $schema?: string };
    assert.match(schema.$schema ?? "", /json-schema\.org/);
    assert.ok(schema.properties?.services, "services in properties");
    const service = schema.properties?.services?.additionalProperties as JsonObject;
    assert.ok(service.properties?.replicas?.description);
    assert.equal(schema.additionalProperties, false, "unknown keys are errors for editors too");
  });

  it("is written by the build script", () => {
    const out = join(fixtureDir({}), "nested", "berth.schema.json");
    const script = fileURLToPath(new URL("./write-json-schema.js", import.meta.url));
    execFileSync(process.execPath, [script, out]);
    assert.ok(JSON.parse(readFileSync(out, "utf8")).properties.services);
  });
});
