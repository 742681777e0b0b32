import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { appendLineRotating } from "./appended-log.js";
import { RotatingLogFile } from "./log-file.js";
import { enforceRetention, logDirectoryBytes } from "./retention.js";
import { periodIndex } from "./rotation-period.js";

function directory(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-retention-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const policy = { maxSizeBytes: 1000, keep: 5, compress: false };

test("max_total deletes the oldest rotated files first, counting current files at max_size", (t) => {
  const dir = directory(t);
  const now = Date.now();
  for (const [name, ageSeconds] of [["web.0.log.2", 50], ["worker.0.log.1", 40], ["web.0.log.1", 30]] as const) {
    writeFileSync(join(dir, name), "x".repeat(900));
    utimesSync(join(dir, name), (now - ageSeconds * 1000) / 1000, (now - ageSeconds * 1000) / 1000);
  }
  writeFileSync(join(dir, "web.0.log"), "x".repeat(10));
  writeFileSync(join(dir, "worker.0.log"), "x".repeat(10));
  enforceRetention(join(dir), { ...policy, maxTotalBytes: 3900 }, now);
  // 2 × 1000 (current) + 2 × 900 fits; the third rotated file, the oldest, went.
  assert.deepEqual(readdirSync(dir).sort(), ["web.0.log", "web.0.log.1", "worker.0.log", "worker.0.log.1"]);
});

test("max_age deletes rotated files older than it, never a current file", (t) => {
  const dir = directory(t);
  const now = Date.now();
  writeFileSync(join(dir, "web.0.log.1"), "old");
  writeFileSync(join(dir, "web.0.log"), "old but current");
  for (const name of ["web.0.log.1", "web.0.log"]) utimesSync(join(dir, name), (now - 3 * 86_400_000) / 1000, (now - 3 * 86_400_000) / 1000);
  writeFileSync(join(dir, "worker.0.log.1"), "new");
  enforceRetention(dir, { ...policy, maxAgeMs: 86_400_000 }, now);
  assert.deepEqual(readdirSync(dir).sort(), ["web.0.log", "worker.0.log.1"]);
});

test("several writers rotating at once stay within max_total", async (t) => {
  const dir = directory(t);
  const stackPolicy = { maxSizeBytes: 2000, keep: 5, compress: false, maxTotalBytes: 20_000 };
  const logs = ["web.0.log", "web.1.log", "worker.0.log"].map((name) => new RotatingLogFile(join(dir, name), stackPolicy, undefined, () => enforceRetention(dir, stackPolicy)));
  for (let index = 0; index < 3000; index++) {
    logs[index % 3]!.writeLine("out", `line ${index} ${"y".repeat(40)}`);
    assert.ok(logDirectoryBytes(dir) <= 20_000, `within the cap after line ${index}`);
  }
  await Promise.all(logs.map((log) => log.close()));
});

test("every: daily rotates at the first line of a new UTC day", async (t) => {
  const dir = directory(t);
  const log = new RotatingLogFile(join(dir, "web.0.log"), { ...policy, maxSizeBytes: 1_000_000, every: "daily" });
  log.writeLine("out", "monday evening", new Date("2026-01-05T23:59:00Z"));
  log.writeLine("out", "still monday", new Date("2026-01-05T23:59:59Z"));
  log.writeLine("out", "tuesday", new Date("2026-01-06T00:00:01Z"));
  await log.close();
  assert.deepEqual(readdirSync(dir).sort(), ["web.0.log", "web.0.log.1"]);
  assert.equal(periodIndex("weekly", new Date("2026-01-04T12:00:00Z")) + 1, periodIndex("weekly", new Date("2026-01-05T00:00:00Z")), "weeks start on Monday");
});

test("daemon.log and proxy.log rotate by name within their size", (t) => {
  const dir = directory(t);
  const path = join(dir, "daemon.log");
  for (let index = 0; index < 200; index++) appendLineRotating(path, `line ${index} ${"z".repeat(50)}\n`, { maxSizeBytes: 1000, keep: 2 });
  assert.deepEqual(readdirSync(dir).sort(), ["daemon.log", "daemon.log.1", "daemon.log.2"]);
  assert.ok(logDirectoryBytes(dir) <= 3000);
});
