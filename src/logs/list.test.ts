import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { logFilesFor, releaseLogPath, replicaLogPath } from "./list.js";

test("replica and release logs have fixed names", () => {
  assert.equal(replicaLogPath("/logs", "web", 2), "/logs/web.2.log");
  assert.equal(releaseLogPath("/logs"), "/logs/release.log");
});

test("a service name that would escape the log directory is refused", () => {
  assert.throws(() => replicaLogPath("/logs", "../etc", 0));
  assert.throws(() => replicaLogPath("/logs", "web", -1));
});

test("logFilesFor lists current logs, release first, replicas in order, rotated files left out", async (t) => {
  const logDir = await mkdtemp(join(tmpdir(), "berth-list-"));
  t.after(() => rm(logDir, { recursive: true, force: true }));
  for (const name of ["web.10.log", "web.2.log", "release.log", "worker.1.log", "web.2.log.1", "web.2.log.2.gz", "notes.txt"]) {
    await writeFile(join(logDir, name), "");
  }
  const all = await logFilesFor(logDir);
  assert.deepEqual(
    all.map((entry) => entry.label),
    ["release", "web.2", "web.10", "worker.1"],
  );
  assert.equal(all[1]?.path, join(logDir, "web.2.log"));
  const web = await logFilesFor(logDir, { service: "web" });
  assert.deepEqual(
    web.map((entry) => entry.replica),
    [2, 10],
  );
});

test("a log directory that does not exist yet has no logs", async () => {
  assert.deepEqual(await logFilesFor(join(tmpdir(), "berth-no-such-dir-" + process.pid)), []);
});
