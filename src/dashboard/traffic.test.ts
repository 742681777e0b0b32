import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "../config/fixture-dir.js";
import { readTraffic, summarise } from "./traffic.js";

test("requests/s, error rate and p50/p99 over the last hour; older requests do not count", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
  const records = [
    { time: at(7200), status: 500, durationMs: 9999 },
    ...Array.from({ length: 98 }, (_, index) => ({ time: at(3000 - index), status: 200, durationMs: index + 1 })),
    { time: at(10), status: 502, durationMs: 500 },
    { time: at(5), status: 503, durationMs: 1000 },
  ];
  const traffic = summarise(records, now, false);
  assert.ok(traffic.known);
  assert.equal(traffic.requests, 100);
  assert.equal(traffic.spanSeconds, 3600);
  assert.equal(traffic.errorRate, 0.02);
  assert.equal(traffic.p50Ms, 50);
  assert.equal(traffic.p99Ms, 500);
});

test("a missing access log is unknown with the reason; a torn line is skipped", async () => {
  const dir = scratchDir("traffic-");
  const missing = await readTraffic(join(dir, "access.log"));
  assert.equal(missing.known, false);
  assert.match(!missing.known ? missing.reason : "", /no access log yet/);
  const path = join(dir, "access.log");
  appendFileSync(path, JSON.stringify({ time: new Date().toISOString(), status: 200, durationMs: 3 }) + "\n" + '{"time":"20');
  const traffic = await readTraffic(path);
  assert.ok(traffic.known && traffic.requests === 1 && traffic.p99Ms === 3);
});
