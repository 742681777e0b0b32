import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { listSecrets, readSecretRecords, removeSecret, secretRecordsPath, storeGivenSecrets, writeSecret } from "./secret-store.js";
import { ensureSecrets, readSecretStore } from "./secrets.js";

const storeIn = () => join(mkdtempSync(join(tmpdir(), "berth-secrets-")), "secrets.json");

describe("the secret store", () => {
  it("keeps a given value, and never replaces it with a later given one", () => {
    const store = storeIn();
    assert.deepEqual(storeGivenSecrets(store, { SECRET_KEY: { value: "django-insecure-given", source: "env_file" } }), ["SECRET_KEY"]);
    assert.deepEqual(storeGivenSecrets(store, { SECRET_KEY: { value: "another", source: "environment" } }), []);
    assert.deepEqual(ensureSecrets(store, ["SECRET_KEY"]), { SECRET_KEY: "django-insecure-given" });
    assert.equal(statSync(store).mode & 0o777, 0o600);
  });

  it("generates what nobody gave, and lists names with their source but never a value", () => {
    const store = storeIn();
    storeGivenSecrets(store, { SMTP_PASSWORD: { value: "hunter2-smtp", source: "env_file" } });
    const generated = ensureSecrets(store, ["SMTP_PASSWORD", "SECRET_KEY"]);
    assert.equal(generated.SMTP_PASSWORD, "hunter2-smtp");
    assert.ok(generated.SECRET_KEY!.length >= 40);
    const listing = listSecrets(store, ["SECRET_KEY", "SMTP_PASSWORD", "API_TOKEN"]);
    assert.deepEqual(listing.map((row) => [row.name, row.source]), [["SECRET_KEY", "generated"], ["SMTP_PASSWORD", "env_file"], ["API_TOKEN", null]]);
    assert.ok(!readFileSync(secretRecordsPath(store), "utf8").includes("hunter2-smtp"));
    assert.ok(!JSON.stringify(listing).includes("hunter2-smtp"));
  });

  it("sets, rotates and removes one value", () => {
    const store = storeIn();
    writeSecret(store, "SECRET_KEY", "first", "set", new Date("2026-01-01T00:00:00Z"));
    writeSecret(store, "SECRET_KEY", "second", "rotated", new Date("2026-01-02T00:00:00Z"));
    assert.equal(readSecretStore(store).SECRET_KEY, "second");
    assert.deepEqual(readSecretRecords(store).SECRET_KEY, { source: "rotated", changedAt: "2026-01-02T00:00:00.000Z" });
    assert.throws(() => writeSecret(store, "SECRET_KEY", "", "set"), /empty/);
    assert.equal(removeSecret(store, "SECRET_KEY"), true);
    assert.equal(removeSecret(store, "SECRET_KEY"), false);
    assert.deepEqual(readSecretStore(store), {});
  });
});
