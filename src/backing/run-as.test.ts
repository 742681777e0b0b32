import assert from "node:assert/strict";
import { scratchDir } from "../config/fixture-dir.js";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { allowTraversal, firstUnreachableDirectory, lookupSystemUser, systemUsers } from "./run-as.js";

describe("running servers as their own user", () => {
  it("reads users from a passwd file", () => {
    const file = join(scratchDir("berth-passwd-"), "passwd");
    writeFileSync(file, "root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL administrator:/var/lib/postgresql:/bin/bash\n");
    assert.deepEqual(lookupSystemUser("postgres", file), { name: "postgres", uid: 101, gid: 104 });
    assert.equal(lookupSystemUser("mysql", file), null);
    assert.deepEqual(systemUsers(file).map((user) => `${user.uid}:${user.name}`), ["0:root", "101:postgres"]);
    assert.deepEqual(systemUsers(join(file, "missing")), []);
  });

  it("finds the first directory another user cannot enter, and opens berth's own for traversal", () => {
    const top = scratchDir("berth-reach-");
    const inner = join(top, "home", "stacks");
    mkdirSync(inner, { recursive: true, mode: 0o700 });
    chmodSync(top, 0o755);
    const stranger = { name: "stranger", uid: 54_321, gid: 54_321 };
    assert.equal(firstUnreachableDirectory(inner, stranger), join(top, "home"));
    allowTraversal([join(top, "home"), inner]);
    assert.equal(firstUnreachableDirectory(inner, stranger), null);
  });
});
