import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReplicaSnapshot } from "../supervisor/replica.js";
import { servingReplicas } from "./table.js";

function replica(replicaIndex: number, status: ReplicaSnapshot["status"], health: ReplicaSnapshot["health"], pid: number | null = 100 + replicaIndex): ReplicaSnapshot {
  return { service: "web", replica: replicaIndex, pid, startTicks: null, status, health, restarts: 0, startedAt: null, port: 9000 + replicaIndex, lastExit: null, outputPipes: null };
}

test("running replicas that are healthy (or have no check) take the traffic", () => {
  const replicas = [replica(0, "running", "healthy"), replica(1, "running", "none"), replica(2, "running", "unhealthy"), replica(3, "starting", "none")];
  assert.deepEqual(servingReplicas(replicas, "web").map((serving) => serving.replica), [0, 1]);
});

test("a crash-looping replica that is up and healthy takes the traffic only when nothing else of its service can", () => {
  const flapping = replica(0, "crash-loop", "healthy");
  assert.deepEqual(servingReplicas([flapping], "web"), [flapping]);
  assert.deepEqual(servingReplicas([flapping, replica(1, "running", "healthy")], "web").map((serving) => serving.replica), [1]);
  assert.deepEqual(servingReplicas([replica(0, "crash-loop", "healthy", null)], "web"), [], "no process, nothing to send to");
  assert.deepEqual(servingReplicas([replica(0, "crash-loop", "none")], "web"), [], "without a health check nothing says it answers");
});
