import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { formatLogLine } from "./log-line.js";
import { readMatchingLines } from "./read-range.js";
import { parseTimeBound } from "./time-bound.js";

const at = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second));
const lines = (...entries: [number, string][]) => entries.map(([second, text]) => formatLogLine("out", text, at(second))).join("");

test("--since, --until and --grep read every generation, compressed or not, and merge sources by time", async (t) => {
  const directory = await mkdtemp(join(tmpdir(), "berth-range-"));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const web = join(directory, "web.0.log");
  const worker = join(directory, "worker.0.log");
  await writeFile(`${web}.2.gz`, gzipSync(lines([1, "GET /a"], [2, "GET /b"])));
  await writeFile(`${web}.1`, lines([4, "POST /c"], [6, "GET /d"]));
  await writeFile(web, lines([8, "GET /e"]));
  await writeFile(worker, lines([3, "job GET"], [7, "job done"]));
  const sources = [
    { path: web, label: "web.0" },
    { path: worker, label: "worker.0" },
  ];
  const texts = async (filter: Parameters<typeof readMatchingLines>[1], limit?: number) =>
    (await readMatchingLines(sources, filter, limit)).map((line) => `${line.label}:${line.text}`);
  assert.deepEqual(await texts({ since: at(2), until: at(6) }), ["web.0:GET /b", "worker.0:job GET", "web.0:POST /c", "web.0:GET /d"]);
  assert.deepEqual(await texts({ grep: /GET/ }), ["web.0:GET /a", "web.0:GET /b", "worker.0:job GET", "web.0:GET /d", "web.0:GET /e"]);
  assert.deepEqual(await texts({ grep: /GET/ }, 2), ["web.0:GET /d", "web.0:GET /e"]);
});

test("time bounds are durations before now or dates", () => {
  const now = new Date("2026-01-05T12:00:00Z");
  assert.equal(parseTimeBound("10m", now)?.toISOString(), "2026-01-05T11:50:00.000Z");
  assert.equal(parseTimeBound("1h30m", now)?.toISOString(), "2026-01-05T10:30:00.000Z");
  assert.equal(parseTimeBound("2026-01-04T03:00:00Z", now)?.toISOString(), "2026-01-04T03:00:00.000Z");
  assert.equal(parseTimeBound("yesterday", now), null);
});
