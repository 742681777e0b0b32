import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { databaseIdentifier, shellQuote } from "./identifiers.js";

describe("databaseIdentifier", () => {
  it("maps stack names to SQL identifiers and avoids the servers' own names", () => {
    assert.equal(databaseIdentifier("pixel", "postgres"), "pixel");
    assert.equal(databaseIdentifier("my-app-2", "postgres"), "my_app_2");
    assert.equal(databaseIdentifier("postgres", "postgres"), "postgres_app");
    assert.equal(databaseIdentifier("template1", "postgres"), "template1_app");
    assert.equal(databaseIdentifier("mysql", "mariadb"), "mysql_app");
    assert.equal(databaseIdentifier("postgres", "mariadb"), "postgres");
  });
});

describe("shellQuote", () => {
  it("survives the shell unchanged", () => {
    for (const text of ["/plain/path", "with space", "it's", "$HOME `x` \"q\"", ""]) {
      assert.equal(execFileSync("/bin/sh", ["-c", `printf %s ${shellQuote(text)}`], { encoding: "utf8" }), text);
    }
  });
});
