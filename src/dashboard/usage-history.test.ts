import { test } from "node:test";
import assert from "node:assert/strict";
import { HISTORY_MS, SAMPLE_INTERVAL_MS, UsageHistory } from "./usage-history.js";

test("CPU is the use between two samples of the same process; a restart starts again", () => {
  const history = new UsageHistory(100, 0);
  history.record("shop/web.0", { pid: 10, cpuTicks: 1_000, memoryBytes: 5 }, 0);
  history.record("shop/web.0", { pid: 10, cpuTicks: 1_750, memoryBytes: 6 }, 15_000);
  history.record("shop/web.0", { pid: 11, cpuTicks: 20, memoryBytes: 7 }, 30_000);
  const samples = history.samples("shop/web.0", 30_000);
  assert.deepEqual(samples.map((sample) => sample.cpuPercent), [null, 50, null]);
  assert.deepEqual(samples.map((sample) => sample.memoryBytes), [5, 6, 7]);
});

test("history is bounded to an hour of samples, and unseen replicas are forgotten", () => {
  const history = new UsageHistory(100, 0);
  let now = 0;
  for (let index = 0; index < 1000; index++) {
    now = index * SAMPLE_INTERVAL_MS;
    history.record("shop/web.0", { pid: 10, cpuTicks: index, memoryBytes: 1 }, now);
  }
  assert.equal(history.samples("shop/web.0", now).length, HISTORY_MS / SAMPLE_INTERVAL_MS);
  history.record("shop/old.0", { pid: 12, cpuTicks: 0, memoryBytes: 1 }, now);
  history.forgetUnseen(now + HISTORY_MS + 1);
  assert.equal(history.size, 0);
});
