import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixtureDir } from "./fixture-dir.js";
import { REDACTED, ensureSecrets, redactEnv, redactText } from "./secrets.js";

describe("ensureSecrets", () => {
  it("generates each secret once, stores it 0600 in a 0700 directory, and keeps it", () => {
    const store = join(fixtureDir({}), "stacks", "pixel", "secrets.json");
    const first = ensureSecrets(store, ["SECRET_KEY"]);
    assert.match(first.SECRET_KEY ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(store).mode & 0o777, 0o600);
    assert.equal(statSync(join(store, "..")).mode & 0o777, 0o700);

    const written = statSync(store).mtimeMs;
    assert.deepEqual(ensureSecrets(store, ["SECRET_KEY"]), first);
    assert.equal(statSync(store).mtimeMs, written, "nothing new, nothing written");

    const more = ensureSecrets(store, ["SECRET_KEY", "API_TOKEN"]);
    assert.equal(more.SECRET_KEY, first.SECRET_KEY);
    assert.notEqual(more.API_TOKEN, more.SECRET_KEY);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(store, "utf8"))), ["SECRET_KEY", "API_TOKEN"]);
  });

  it("gives different stores different values", () => {
    const a = ensureSecrets(join(fixtureDir({}), "secrets.json"), ["SECRET_KEY"]);
    const b = ensureSecrets(join(fixtureDir({}), "secrets.json"), ["SECRET_KEY"]);
    assert.notEqual(a.SECRET_KEY, b.SECRET_KEY);
  });

  it("refuses a damaged store rather than regenerating", () => {
    const store = join(fixtureDir({ "secrets.json": "{not json" }), "secrets.json");
    assert.throws(() => ensureSecrets(store, ["SECRET_KEY"]), /not valid JSON/);
  });
});

describe("redaction", () => {
  it("hides secret variables and secret values in text", () => {
    assert.deepEqual(redactEnv({ SECRET_KEY: "abc", DEBUG: "0" }, ["SECRET_KEY"]), { SECRET_KEY: REDACTED, DEBUG: "0" });
    assert.equal(redactText("key=abcdef, again abcdef; short abc", ["abc", "abcdef", ""]), `key=${REDACTED}, again ${REDACTED}; short ${REDACTED}`);
  });
});
