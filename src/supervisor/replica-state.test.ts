import { test } from "node:test";
import assert from "node:assert/strict";
import { nextStatus, TRANSITIONS, type ReplicaEvent, type ReplicaStatus, type TransitionContext } from "./replica-state.js";

const healthy: TransitionContext = { crashLooping: false, hasHealthCheck: true, hasProcess: true };
const looping: TransitionContext = { ...healthy, crashLooping: true };
const idle: TransitionContext = { ...healthy, hasProcess: false };

test("a normal life: spawn, ready, stop, stopped", () => {
  let status: ReplicaStatus = "stopped";
  status = nextStatus(status, "spawn", healthy);
  assert.equal(status, "starting");
  status = nextStatus(status, "ready", healthy);
  assert.equal(status, "running");
  status = nextStatus(status, "stop", healthy);
  assert.equal(status, "stopping");
  status = nextStatus(status, "stopped", idle);
  assert.equal(status, "stopped");
});

test("a crash loop shows crash-loop while respawned and even when ready, until stable", () => {
  assert.equal(nextStatus("starting", "crashed", healthy), "backoff");
  assert.equal(nextStatus("starting", "crashed", looping), "crash-loop");
  assert.equal(nextStatus("crash-loop", "spawn", looping), "crash-loop");
  assert.equal(nextStatus("crash-loop", "ready", looping), "crash-loop");
  assert.equal(nextStatus("crash-loop", "stable", healthy), "running");
});

test("a failed spawn is a failed start, never running", () => {
  const spawned = nextStatus("backoff", "spawn", healthy);
  assert.equal(nextStatus(spawned, "spawn-failed", healthy), "backoff");
  assert.equal(nextStatus("crash-loop", "spawn-failed", looping), "crash-loop");
  assert.throws(() => nextStatus("running", "spawn-failed", healthy), /"spawn-failed" in state "running"/);
});

test("stopping a replica without a process goes straight to stopped", () => {
  for (const status of ["stopped", "backoff", "crash-loop", "exited"] as const) {
    assert.equal(nextStatus(status, "stop", idle), "stopped", status);
  }
  assert.equal(nextStatus("running", "stop", healthy), "stopping");
});

test("an adopted process is running at once without a health check, starting with one", () => {
  assert.equal(nextStatus("stopped", "adopt", healthy), "starting");
  assert.equal(nextStatus("stopped", "adopt", { ...healthy, hasHealthCheck: false }), "running");
  assert.throws(() => nextStatus("running", "adopt", healthy), /illegal replica transition/);
});

test("illegal transitions throw an error naming the state and the event", () => {
  const illegal: [ReplicaStatus, ReplicaEvent][] = [
    ["stopped", "ready"],
    ["stopped", "crashed"],
    ["running", "spawn"],
    ["stopping", "spawn"],
    ["exited", "stopped"],
    ["backoff", "ready"],
  ];
  for (const [status, event] of illegal) {
    assert.throws(() => nextStatus(status, event, healthy), new RegExp(`"${event}" in state "${status}"`));
  }
});

test("every state can be stopped", () => {
  const states: ReplicaStatus[] = ["stopped", "starting", "running", "backoff", "crash-loop", "stopping", "exited"];
  for (const status of states) assert.ok(TRANSITIONS.stop.from.includes(status), status);
});
