import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { holdsRoot } from "./follow-holds.js";
import { RotatingLogFile } from "./log-file.js";
import type { LabeledLine } from "./log-line.js";
import { followLogs } from "./tail.js";

async function temporaryDirectory(t: TestContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "berth-holds-"));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("a follower that was not scheduled while many more generations than `keep` rotated by still gets every line, in order", async (t) => {
  const directory = await temporaryDirectory(t);
  const path = join(directory, "web.0.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 2048, keep: 1, compress: true });
  log.writeLine("out", "before following");
  const seen: LabeledLine[] = [];
  const controller = new AbortController();
  const following = followLogs([{ path, label: "web.0" }], (line) => seen.push(line), controller.signal);
  // One synchronous burst: no timer or watch callback of the follower can run until it is over.
  const total = 5000;
  for (let index = 0; index < total; index++) log.writeLine("out", `line ${index}`);
  assert.ok(readdirSync(join(holdsRoot(directory), String(process.pid))).length > 50, "the writer held the rotated generations");
  await waitUntil(() => seen.length >= total, `${total} lines (have ${seen.length})`);
  controller.abort();
  await following;
  await log.close();
  assert.deepEqual(seen.map((line) => line.text), Array.from({ length: total }, (_, index) => `line ${index}`));
  assert.equal(existsSync(join(holdsRoot(directory), String(process.pid))), false, "the hold is gone with the follower");
});

test("a hold left by a process that is gone is removed by the next rotation", async (t) => {
  const directory = await temporaryDirectory(t);
  const stale = join(holdsRoot(directory), "999999999");
  mkdirSync(stale, { recursive: true });
  const path = join(directory, "web.0.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 100, keep: 1, compress: false });
  for (let index = 0; index < 10; index++) log.writeLine("out", `line ${index}`);
  await log.close();
  assert.equal(existsSync(stale), false);
});
