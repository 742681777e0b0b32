import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scratchDir } from "../config/fixture-dir.js";
import { writeExport } from "./write-export.js";

describe("writeExport", () => {
  it("writes secret files 0600 (even over an older 0644 one) and git-ignores them", () => {
    const directory = scratchDir("berth-export-write-");
    writeFileSync(join(directory, "secrets.env"), "OLD=1\n", { mode: 0o644 });
    writeExport(directory, [{ path: "secrets.env", content: "SECRET_KEY=abcdefghijkl\n", secret: true }, { path: "nested/app.yaml", content: "a: 1\n" }], ["abcdefghijkl"]);
    assert.equal(statSync(join(directory, "secrets.env")).mode & 0o777, 0o600);
    assert.equal(statSync(join(directory, "nested/app.yaml")).mode & 0o777, 0o644);
    assert.match(readFileSync(join(directory, ".gitignore"), "utf8"), /^\/secrets\.env$/m);
  });

  it("writes nothing when a public file would hold a secret value", () => {
    const directory = join(scratchDir("berth-export-write-"), "out");
    assert.throws(() => writeExport(directory, [{ path: "app.yaml", content: "key: abcdefghijkl\n" }], ["abcdefghijkl"]), /would hold a secret value/);
    assert.equal(existsSync(directory), false);
  });
});
