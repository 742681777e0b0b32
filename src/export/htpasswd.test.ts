import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { htpasswdLine } from "./htpasswd.js";

describe("htpasswdLine", () => {
  it("writes a salted SHA-1 ({SSHA}) that checks the password as nginx does, and never the password", () => {
    const line = htpasswdLine("team", "correct horse");
    const [user, hash] = line.split(":") as [string, string];
    assert.equal(user, "team");
    assert.ok(!line.includes("correct horse"));
    const bytes = Buffer.from(hash.replace(/^\{SSHA\}/, ""), "base64");
    const digest = bytes.subarray(0, 20);
    const salt = bytes.subarray(20);
    assert.ok(salt.length > 0);
    assert.deepEqual(createHash("sha1").update("correct horse").update(salt).digest(), digest);
    assert.notDeepEqual(createHash("sha1").update("wrong").update(salt).digest(), digest);
    assert.notEqual(htpasswdLine("team", "correct horse"), line, "a new salt each time");
  });
});
