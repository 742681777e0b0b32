import assert from "node:assert/strict";
import { access, appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { gzipSync } from "node:zlib";
import { RotatingLogFile } from "./log-file.js";
import { formatLogLine, type LabeledLine } from "./log-line.js";
import { logFilesFor } from "./list.js";
import { followLogs, readLastLines } from "./tail.js";

async function temporaryDirectory(t: TestContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "berth-tail-"));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

const at = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second));
const lines = (...entries: [number, string][]) => entries.map(([second, text]) => formatLogLine("out", text, at(second))).join("");
const show = (result: LabeledLine[]) => result.map((line) => `${line.label}:${line.text}`);

/** Polls until `condition` holds, failing after a deadline instead of hoping a fixed sleep was long enough. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("readLastLines merges two files by time, earlier source first on equal timestamps", async (t) => {
  const directory = await temporaryDirectory(t);
  const web = join(directory, "web.0.log");
  const worker = join(directory, "worker.0.log");
  await writeFile(web, lines([1, "w1"], [3, "w3"], [5, "w5"], [7, "w7"]));
  await writeFile(worker, lines([2, "k2"], [5, "k5"], [6, "k6"]) + "garbage that is not a log line\n");
  const sources = [
    { path: web, label: "web.0" },
    { path: worker, label: "worker.0" },
  ];
  assert.deepEqual(show(await readLastLines(sources, 5)), ["web.0:w3", "web.0:w5", "worker.0:k5", "worker.0:k6", "web.0:w7"]);
  assert.deepEqual(show(await readLastLines(sources, 100)).length, 7);
  assert.deepEqual(await readLastLines(sources, 0), []);
});

test("readLastLines reaches into the rotated generation, compressed or not", async (t) => {
  const directory = await temporaryDirectory(t);
  const web = join(directory, "web.0.log");
  const worker = join(directory, "worker.0.log");
  await writeFile(`${web}.2.gz`, gzipSync(lines([1, "w1"])));
  await writeFile(`${web}.1.gz`, gzipSync(lines([2, "w2"], [4, "w4"])));
  await writeFile(web, lines([6, "w6"]));
  await writeFile(`${worker}.1`, lines([3, "k3"], [5, "k5"]));
  await writeFile(worker, lines([7, "k7"]));
  const sources = [
    { path: web, label: "web" },
    { path: worker, label: "worker" },
  ];
  assert.deepEqual(show(await readLastLines(sources, 4)), ["web:w4", "worker:k5", "web:w6", "worker:k7"]);
  assert.deepEqual(show(await readLastLines(sources, 100)), ["web:w1", "web:w2", "worker:k3", "web:w4", "worker:k5", "web:w6", "worker:k7"]);
});

test("readLastLines reads the end of a large file across many backward chunks", async (t) => {
  const path = join(await temporaryDirectory(t), "web.0.log");
  const text = (number: number) => `line ${number} ${"é".repeat(number % 50)}`;
  await writeFile(path, Array.from({ length: 20_000 }, (_, number) => formatLogLine("err", text(number), at(0))).join(""));
  const result = await readLastLines([{ path, label: "web" }], 1500);
  assert.equal(result.length, 1500);
  assert.deepEqual(
    result.map((line) => line.text),
    Array.from({ length: 1500 }, (_, index) => text(18_500 + index)),
  );
});

test("readLastLines of a file without a final newline, and of a missing file", async (t) => {
  const directory = await temporaryDirectory(t);
  const path = join(directory, "web.0.log");
  await writeFile(path, lines([1, "a"], [2, "b"]).slice(0, -1));
  assert.deepEqual(show(await readLastLines([{ path, label: "w" }], 1)), ["w:b"]);
  assert.deepEqual(await readLastLines([{ path: join(directory, "nope.log"), label: "x" }], 3), []);
});

test("followLogs delivers only lines written after the call, across a rotation, and stops on abort", async (t) => {
  const directory = await temporaryDirectory(t);
  const path = join(directory, "web.0.log");
  const releasePath = join(directory, "release.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 2000, keep: 2, compress: true });
  log.writeLine("out", "before");

  const received: LabeledLine[] = [];
  const controller = new AbortController();
  const following = followLogs(
    [
      { path, label: "web" },
      { path: releasePath, label: "release" },
    ],
    (line) => received.push(line),
    controller.signal,
  );

  log.writeLine("out", "after 0");
  await waitUntil(() => received.length === 1, "the first line");

  // 60 lines of ~45 bytes pass 2000 bytes once: exactly one rotation, which compresses and deletes the old file.
  for (let number = 1; number < 60; number++) log.writeLine("out", `after ${number}`);
  await appendFile(releasePath, formatLogLine("err", "release created later", new Date()));
  await waitUntil(() => received.length === 61, "every line across the rotation");
  await log.close();
  await access(`${path}.1.gz`);

  const web = received.filter((line) => line.label === "web").map((line) => line.text);
  assert.deepEqual(web, Array.from({ length: 60 }, (_, number) => `after ${number}`));
  assert.deepEqual(show(received.filter((line) => line.label === "release")), ["release:release created later"]);

  controller.abort();
  await following;
});

test("followLogs with an already-aborted signal resolves at once", async (t) => {
  const path = join(await temporaryDirectory(t), "web.0.log");
  const controller = new AbortController();
  controller.abort();
  await followLogs([{ path, label: "web" }], () => assert.fail("no lines expected"), controller.signal);
});

test("followLogs starts over when a file is truncated in place", async (t) => {
  const path = join(await temporaryDirectory(t), "web.0.log");
  await writeFile(path, lines([1, "old one"], [2, "old two"], [3, "old three"]));
  const received: LabeledLine[] = [];
  const controller = new AbortController();
  const following = followLogs([{ path, label: "web" }], (line) => received.push(line), controller.signal);
  // Same inode, shorter content: what `> file` in a shell does.
  await writeFile(path, lines([4, "new"]));
  await waitUntil(() => received.length === 1, "the line written after truncation");
  assert.deepEqual(show(received), ["web:new"]);
  controller.abort();
  await following;
});

test("followLogs with discoverSources follows a replica file that appears later from its first line, once", async (t) => {
  const directory = await temporaryDirectory(t);
  const first = join(directory, "web.0.log");
  await writeFile(first, lines([1, "web.0 before"]));
  const received: LabeledLine[] = [];
  const controller = new AbortController();
  let discoveries = 0;
  const discoverSources = async () => {
    discoveries++;
    return (await logFilesFor(directory)).filter((entry) => entry.service === "web");
  };
  const following = followLogs([{ path: first, label: "web.0" }], (line) => received.push(line), controller.signal, { discoverSources });

  // A replica added by `berth scale` after following began, with lines already in its file when found.
  await writeFile(join(directory, "web.1.log"), lines([2, "web.1 first"], [3, "web.1 second"]));
  await writeFile(join(directory, "worker.0.log"), lines([2, "not a web replica"]));
  await waitUntil(() => received.length === 2, "the new replica's existing lines", 20_000);
  await appendFile(join(directory, "web.1.log"), lines([4, "web.1 third"]));
  await appendFile(first, lines([5, "web.0 after"]));
  await waitUntil(() => received.length === 4, "lines appended to both replicas", 20_000);
  // Several more discovery rounds must not follow web.1 a second time (which would repeat its lines).
  const roundsSeen = discoveries;
  await waitUntil(() => discoveries >= roundsSeen + 2, "two more discovery rounds", 20_000);
  controller.abort();
  await following;

  assert.deepEqual(show(received.filter((line) => line.label === "web.1")), ["web.1:web.1 first", "web.1:web.1 second", "web.1:web.1 third"]);
  assert.deepEqual(show(received.filter((line) => line.label === "web.0")), ["web.0:web.0 after"]);
  assert.equal(received.length, 4);
});
