import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test, type TestContext } from "node:test";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import type { LogPolicy } from "../config/types.js";
import { RotatingLogFile } from "./log-file.js";
import { parseLogLine } from "./log-line.js";

async function temporaryDirectory(t: TestContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "berth-log-file-"));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/** The raw lines of one file, decompressing `.gz`. */
async function linesOf(path: string): Promise<string[]> {
  const bytes = await readFile(path);
  const text = (path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  return text.split("\n").slice(0, -1);
}

/** Every file of the log, oldest generation first, as [file name, lines]. */
async function generationsOldestFirst(directory: string, base: string): Promise<[string, string[]][]> {
  const names = (await readdir(directory)).filter((name) => name.startsWith(base));
  const generationOf = (name: string) => Number(/\.log\.(\d+)/.exec(name)?.[1] ?? 0);
  names.sort((a, b) => generationOf(b) - generationOf(a));
  return Promise.all(names.map(async (name) => [name, await linesOf(join(directory, name))] as [string, string[]]));
}

function numberOf(raw: string): number {
  const line = parseLogLine(raw);
  assert.ok(line, `not a log line: ${JSON.stringify(raw)}`);
  return Number(/^line (\d+)$/.exec(line.text)?.[1]);
}

test("writes one formatted line per call into a private file in a private directory", async (t) => {
  const directory = await temporaryDirectory(t);
  const path = join(directory, "nested", "web.0.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 1_000_000, keep: 3, compress: false });
  log.writeLine("out", "hello", new Date("2025-01-02T03:04:05.006Z"));
  log.writeLine("err", "two\nlines", new Date("2025-01-02T03:04:05.007Z"));
  await log.close();
  assert.equal(
    await readFile(path, "utf8"),
    "2025-01-02T03:04:05.006Z out hello\n2025-01-02T03:04:05.007Z err two lines\n",
  );
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(directory, "nested"))).mode & 0o777, 0o700);
});

test("appends to an existing file instead of replacing it", async (t) => {
  const path = join(await temporaryDirectory(t), "web.0.log");
  const policy = { maxSizeBytes: 1_000_000, keep: 1, compress: false };
  const first = new RotatingLogFile(path, policy);
  first.writeLine("out", "first run");
  await first.close();
  const second = new RotatingLogFile(path, policy);
  second.writeLine("out", "second run");
  await second.close();
  assert.deepEqual(
    (await linesOf(path)).map((raw) => parseLogLine(raw)?.text),
    ["first run", "second run"],
  );
});

for (const compress of [false, true]) {
  test(`rotation keeps exactly \`keep\` generations, never exceeds maxSize (compress: ${compress})`, async (t) => {
    const directory = await temporaryDirectory(t);
    const path = join(directory, "web.0.log");
    const policy: LogPolicy = { maxSizeBytes: 300, keep: 3, compress };
    const log = new RotatingLogFile(path, policy);
    for (let number = 0; number < 100; number++) log.writeLine("out", `line ${number}`);
    await log.close();

    const suffix = compress ? ".gz" : "";
    assert.deepEqual((await readdir(directory)).sort(), ["web.0.log", ...[1, 2, 3].map((n) => `web.0.log.${n}${suffix}`)]);
    const generations = await generationsOldestFirst(directory, "web.0.log");
    for (const [name] of generations.filter(([name]) => !name.endsWith(".gz"))) {
      assert.ok((await stat(join(directory, name))).size <= policy.maxSizeBytes, name);
    }
    const numbers = generations.flatMap(([, lines]) => lines.map(numberOf));
    assert.equal(numbers.at(-1), 99);
    assert.deepEqual(numbers, numbers.map((_, index) => 100 - numbers.length + index), "contiguous, oldest first");
  });
}

test("20 000 lines through rotation every 4 KB with compression running alongside: every line exactly once", async (t) => {
  const directory = await temporaryDirectory(t);
  const path = join(directory, "web.0.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 4096, keep: 10_000, compress: true });
  const total = 20_000;
  for (let number = 0; number < total; number++) {
    log.writeLine(number % 2 === 0 ? "out" : "err", `line ${number}`);
    // Let compression of earlier generations run while later rotations happen.
    if (number % 40 === 0) await yieldToEventLoop();
  }
  await log.close();

  const generations = await generationsOldestFirst(directory, "web.0.log");
  assert.ok(generations.length > 100, `expected many rotations, got ${generations.length} files`);
  assert.ok(generations.slice(0, -1).every(([name]) => name.endsWith(".gz")), "every rotated file compressed");
  const seen = new Array<number>(total).fill(0);
  const inOrder: number[] = [];
  for (const [, lines] of generations) {
    for (const raw of lines) {
      const number = numberOf(raw);
      seen[number] = (seen[number] ?? 0) + 1;
      inOrder.push(number);
    }
  }
  const wrong = seen.flatMap((count, number) => (count === 1 ? [] : [`${number}×${count}`]));
  assert.deepEqual(wrong, [], "every number appears exactly once");
  assert.deepEqual(inOrder, Array.from({ length: total }, (_, index) => index), "generations keep write order");
});

test("keep 0 discards the full file instead of keeping generations", async (t) => {
  const directory = await temporaryDirectory(t);
  const path = join(directory, "web.0.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 200, keep: 0, compress: true });
  for (let number = 0; number < 20; number++) log.writeLine("out", `line ${number}`);
  await log.close();
  assert.deepEqual(await readdir(directory), ["web.0.log"]);
  assert.equal((await linesOf(path)).map(numberOf).at(-1), 19);
});

test("generations left uncompressed by an earlier run are compressed, stale temporaries removed", async (t) => {
  const directory = await temporaryDirectory(t);
  const path = join(directory, "web.0.log");
  await writeFile(`${path}.1`, "2025-01-01T00:00:00.000Z out line 1\n");
  await writeFile(`${path}.compressing-1-1`, "half written");
  const log = new RotatingLogFile(path, { maxSizeBytes: 1000, keep: 2, compress: true });
  await log.close();
  assert.deepEqual((await readdir(directory)).sort(), ["web.0.log", "web.0.log.1.gz"]);
  assert.deepEqual((await linesOf(`${path}.1.gz`)).map(numberOf), [1]);
});

test("attachStream writes split chunks as whole lines and flushes the last partial line on end", async (t) => {
  const path = join(await temporaryDirectory(t), "web.0.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 1_000_000, keep: 1, compress: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  log.attachStream(stdout, "out");
  log.attachStream(stderr, "err");
  const ended = Promise.all([stdout, stderr].map((stream) => new Promise((resolve) => stream.once("end", resolve))));
  stdout.write("hel");
  stdout.write("lo\r\nwor");
  stderr.write("oops\n");
  stdout.end(Buffer.from("ld\nno newline"));
  stderr.end();
  await ended;
  const lines = (await linesOf(path)).map((raw) => parseLogLine(raw));
  const textsOf = (stream: string) => lines.filter((line) => line?.stream === stream).map((line) => line?.text);
  assert.deepEqual(textsOf("out"), ["hello", "world", "no newline"]);
  assert.deepEqual(textsOf("err"), ["oops"]);
  assert.equal(lines.length, 4);
  await log.close();
});

test("close flushes a partial line from a stream that is still open, then drops later lines", async (t) => {
  const path = join(await temporaryDirectory(t), "web.0.log");
  const log = new RotatingLogFile(path, { maxSizeBytes: 1_000_000, keep: 1, compress: false });
  const stdout = new PassThrough();
  log.attachStream(stdout, "out");
  stdout.write("partial");
  await new Promise((resolve) => setImmediate(resolve));
  await log.close();
  stdout.write(" more\n");
  log.writeLine("err", "after close");
  assert.deepEqual(
    (await linesOf(path)).map((raw) => parseLogLine(raw)?.text),
    ["partial"],
  );
});

test("on a full disk, lines are dropped and counted, never thrown at the writer", () => {
    // /dev/full answers every write with ENOSPC, as a full filesystem does.
    const full = new RotatingLogFile("/dev/full", { maxSizeBytes: 1024 ** 3, keep: 1, compress: false });
    assert.doesNotThrow(() => {
      for (let i = 0; i < 100; i++) full.writeLine("out", `line ${i}`);
    });
    assert.equal(full.droppedLines, 100);
});
