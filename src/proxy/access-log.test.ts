import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { accessLine, AccessLogs, chunksOf, type AccessRecord } from "./access-log.js";

function directory(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-access-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const record = (n: number): AccessRecord => ({
  time: new Date().toISOString(), requestId: `r${n}`, client: "127.0.0.1", method: "GET", host: "a.test", path: `/${n}`,
  status: 200, bytes: 10, durationMs: 1, upstream: "127.0.0.1:8000", userAgent: null,
});

test("two workers appending to one access log rotate it within max_size and keep, losing no record", async (t) => {
  const dir = directory(t);
  const path = join(dir, "access.log");
  const policy = { maxSizeBytes: 4096, keep: 500, compress: false };
  const workers = [new AccessLogs(), new AccessLogs()];
  const total = 2000;
  for (let n = 0; n < total; n++) {
    workers[n % 2]!.write(path, record(n), policy);
    if (n % 10 === 9) workers[(n / 10) % 2 < 1 ? 0 : 1]!.flush();
    if (n % 20 === 19) workers.forEach((worker) => worker.flush());
  }
  await Promise.all(workers.map((worker) => worker.close()));
  const files = readdirSync(dir).filter((name) => name.startsWith("access.log"));
  assert.ok(files.length > 10, `rotated: ${files.join(", ")}`);
  for (const name of files) assert.ok(statSync(join(dir, name)).size <= 4096, `${name} within max_size`);
  const ids = files.flatMap((name) => readFileSync(join(dir, name), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as AccessRecord).requestId));
  assert.equal(new Set(ids).size, total);
});

test("a batch larger than max_size (a flush a busy worker delayed) is spread over files within max_size", async (t) => {
  const dir = directory(t);
  const path = join(dir, "access.log");
  const policy = { maxSizeBytes: 4096, keep: 500, compress: false };
  const logs = new AccessLogs();
  const total = 300;
  for (let n = 0; n < total; n++) logs.write(path, record(n), policy);
  await logs.close();
  const files = readdirSync(dir).filter((name) => name.startsWith("access.log"));
  assert.ok(files.length > 5, `rotated: ${files.join(", ")}`);
  for (const name of files) assert.ok(statSync(join(dir, name)).size <= 4096, `${name} within max_size`);
  const ids = files.flatMap((name) => readFileSync(join(dir, name), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as AccessRecord).requestId));
  assert.equal(new Set(ids).size, total);
});

test("chunksOf keeps whole lines, at most maxBytes a chunk, a longer line alone", () => {
  const chunks = chunksOf(Buffer.from("aaaa\nbb\ncccccccccc\nd\n"), 8);
  assert.deepEqual(chunks.map((chunk) => chunk.toString()), ["aaaa\nbb\n", "cccccccccc\n", "d\n"]);
});

test("every: daily rotates an access log whose first record is from an earlier day", async (t) => {
  const dir = directory(t);
  const path = join(dir, "access.log");
  writeFileSync(path, JSON.stringify({ ...record(0), time: "2020-01-01T10:00:00.000Z" }) + "\n");
  const logs = new AccessLogs();
  logs.write(path, record(1), { maxSizeBytes: 1_000_000, keep: 3, compress: false, every: "daily" });
  await logs.close();
  assert.deepEqual(readdirSync(dir).sort(), ["access.log", "access.log.1"]);
  assert.match(readFileSync(path, "utf8"), /"requestId":"r1"/);
});

test("a batch due a rotation while another worker holds the rotation lock waits for it instead of passing max_size", async (t) => {
  const dir = directory(t);
  const path = join(dir, "access.log");
  const policy = { maxSizeBytes: 4096, keep: 5, compress: false };
  writeFileSync(path, "x".repeat(4000) + "\n");
  writeFileSync(`${path}.rotating`, "");
  const logs = new AccessLogs();
  for (let n = 0; n < 5; n++) logs.write(path, record(n), policy);
  logs.flush();
  assert.equal(statSync(path).size, 4001, "nothing appended past max_size while the lock is held");
  rmSync(`${path}.rotating`);
  await logs.close();
  assert.deepEqual(readdirSync(dir).sort(), ["access.log", "access.log.1"]);
  const ids = readFileSync(path, "utf8").trim().split("\n").map((line) => (JSON.parse(line) as AccessRecord).requestId);
  assert.deepEqual(ids, ["r0", "r1", "r2", "r3", "r4"]);
});

test("an access line is the record's JSON, escaping what the client sent", () => {
  const tricky = { ...record(7), path: '/a"b\\c\u0001\ud800é', userAgent: "curl/8 \"x\"\n", host: "ü.test" };
  for (const each of [record(1), tricky, { ...record(2), upstream: null, userAgent: null }]) {
    const line = accessLine(each);
    assert.equal(line, JSON.stringify(each) + "\n");
    assert.deepEqual(JSON.parse(line), each);
  }
});

test("every batch is written under the file's lock, so two workers never both fill the room left below max_size", async (t) => {
  const dir = directory(t);
  const path = join(dir, "access.log");
  writeFileSync(path, "x".repeat(100) + "\n");
  writeFileSync(`${path}.rotating`, "");
  const logs = new AccessLogs();
  logs.write(path, record(0), { maxSizeBytes: 1_000_000, keep: 5, compress: false });
  logs.flush();
  assert.equal(statSync(path).size, 101, "a batch that fits waits for the lock too");
  rmSync(`${path}.rotating`);
  await logs.close();
  assert.match(readFileSync(path, "utf8"), /"requestId":"r0"/);
});
