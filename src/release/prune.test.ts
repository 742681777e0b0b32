import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { releaseDirectory, type ReleaseRecord } from "./history.js";
import { pruneReleases } from "./prune.js";

function release(id: string, createdAt: string, status: ReleaseRecord["status"]): ReleaseRecord {
  return { id, source: "path", createdAt, user: "u", status, durationMs: 1, error: null, configPath: "berth.yml" };
}

test("pruning keeps the newest, the live one and those in use, and removes directories nothing records", (t) => {
  const root = mkdtempSync(join(tmpdir(), "berth-prune-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const id of ["r1", "r2", "r3", "r4", "orphan"]) mkdirSync(releaseDirectory(root, id), { recursive: true });
  const releases = [
    release("r1", "2026-01-01T00:00:00Z", "previous"),
    release("r2", "2026-01-02T00:00:00Z", "live"),
    release("r3", "2026-01-03T00:00:00Z", "failed"),
    release("r4", "2026-01-04T00:00:00Z", "previous"),
  ];
  const { kept, removed } = pruneReleases(root, releases, 1, new Set(["r1"]));
  assert.deepEqual(kept.map((record) => record.id).sort(), ["r1", "r2", "r4"], "newest (r4), live (r2), in use by a running worker (r1)");
  assert.deepEqual(removed.sort(), ["orphan", "r3"]);
  assert.deepEqual(readdirSync(join(root, "releases")).sort(), ["r1", "r2", "r4"]);
  assert.ok(existsSync(releaseDirectory(root, "r1")));
});
