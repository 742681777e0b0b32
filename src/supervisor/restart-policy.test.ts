import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKOFF_MAX_MS,
  isCrashLooping,
  markStable,
  recordExit,
  restartDelayMs,
  shouldRestart,
  STABLE_UPTIME_MS,
  type RestartTracker,
} from "./restart-policy.js";

test("a first crash restarts at once, later quick crashes back off exponentially up to the cap", () => {
  const tracker: RestartTracker = { consecutiveQuickExits: 0 };
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    recordExit(tracker, 0);
    delays.push(restartDelayMs(tracker));
  }
  assert.deepEqual(delays.slice(0, 5), [0, 100, 200, 400, 800]);
  assert.equal(delays.at(-1), BACKOFF_MAX_MS);
  assert.ok(delays.every((delay, i) => i === 0 || delay >= delays[i - 1]!));
});

test("a failure after a stable ready period starts a fresh count and restarts at once", () => {
  const tracker: RestartTracker = { consecutiveQuickExits: 0 };
  for (let i = 0; i < 5; i++) recordExit(tracker, 10);
  assert.equal(isCrashLooping(tracker), true);
  recordExit(tracker, STABLE_UPTIME_MS);
  assert.equal(isCrashLooping(tracker), false);
  assert.equal(restartDelayMs(tracker), 0);
});

test("a replica that never becomes ready keeps backing off, however long each run lasts", () => {
  const tracker: RestartTracker = { consecutiveQuickExits: 0 };
  // Each run lasted a minute but was never ready: readyForMs is 0 every time.
  for (let i = 0; i < 10; i++) recordExit(tracker, 0);
  assert.equal(isCrashLooping(tracker), true);
  assert.ok(restartDelayMs(tracker) >= 25_600, `delay ${restartDelayMs(tracker)}`);
});

test("being stable forgives the history; the next failure restarts at once", () => {
  const tracker: RestartTracker = { consecutiveQuickExits: 0 };
  for (let i = 0; i < 4; i++) recordExit(tracker, 0);
  markStable(tracker);
  assert.equal(isCrashLooping(tracker), false);
  recordExit(tracker, 0);
  assert.equal(restartDelayMs(tracker), 0);
});

test("restart policies", () => {
  assert.equal(shouldRestart("always", 0), true);
  assert.equal(shouldRestart("on-failure", 0), false);
  assert.equal(shouldRestart("on-failure", 1), true);
  assert.equal(shouldRestart("on-failure", null), true);
  assert.equal(shouldRestart("no", 1), false);
});
