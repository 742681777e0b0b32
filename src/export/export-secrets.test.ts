import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scratchDir } from "../config/fixture-dir.js";
import { loadFixtureStack } from "./export-fixture.js";
import { collectSecretValues, readPreviousSecrets, secretFileNames } from "./export-secrets.js";

describe("the secret values of an export", () => {
  const stack = loadFixtureStack();

  it("come from an earlier export first, then from berth's store, else are generated", () => {
    const values = collectSecretValues(stack, { previous: { POSTGRES_PASSWORD: "kept-from-before" }, store: { SECRET_KEY: "from-the-store" } });
    assert.equal(values.POSTGRES_PASSWORD, "kept-from-before");
    assert.equal(values.SECRET_KEY, "from-the-store");
    assert.match(values.REDIS_PASSWORD ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(Object.keys(values).sort(), ["POSTGRES_PASSWORD", "REDIS_PASSWORD", "SECRET_KEY"]);
  });

  it("are read back from every secret file an earlier export wrote", () => {
    const directory = scratchDir("berth-export-previous-");
    writeFileSync(join(directory, "secrets.env"), "# header\nSECRET_KEY=abc\n");
    writeFileSync(join(directory, "postgres.env"), "POSTGRES_PASSWORD=def\n");
    assert.deepEqual(readPreviousSecrets(directory, secretFileNames(stack.name)), { SECRET_KEY: "abc", POSTGRES_PASSWORD: "def" });
    assert.deepEqual(readPreviousSecrets(join(directory, "missing"), secretFileNames(stack.name)), {});
  });
});
