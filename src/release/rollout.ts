import type { Service, Stack } from "../config/types.js";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import { throwIfCancelled } from "../daemon/operation-queue.js";
import { portsOf, type Replica } from "../supervisor/replica.js";
import { readinessTarget, waitUntilStackReady, type ReadinessTarget } from "../supervisor/readiness.js";
import type { AdoptionRecordFor, ProgressReporter, StackSupervisor } from "../supervisor/stack-supervisor.js";
import type { Plan } from "./plan.js";

export interface RolloutContext {
  signal: AbortSignal;
  /** Overrides every service's own readiness timeout (`--timeout`). */
  readyTimeoutMs?: number;
  /** Moves traffic to the replicas now in place and resolves once every proxy worker uses them. */
  switchTraffic: () => Promise<void>;
  /**
   * After the switch: resolves once the proxy sends nothing more to the replicas on these ports
   * (in-flight requests done, websockets closed), at most `timeoutMs` later. Absent: no proxy to drain.
   */
  drainTraffic?: (ports: number[], timeoutMs: number) => Promise<void>;
  /** The point of no return: the new replicas take traffic; the caller records it and stops honouring cancellation. */
  onSwitch: () => void;
  /** The previous daemon's processes, adopted instead of started when a stack is restored. */
  adopt?: AdoptionRecordFor;
  /** How a failure before the switch is told: "deploy aborted", "the change was not applied". */
  failure: string;
}

/**
 * Applies `plan` to `supervisor`, ending with `next` running. Before the switch nothing the old
 * release runs is touched, so a failure or a cancellation leaves it serving exactly as it was:
 *  1. release tasks (migrations) once;
 *  2. routed services being replaced: new replicas start beside the old ones on new ports and must
 *     all become ready; on failure they are stopped;
 *  3. the switch: the new replicas replace the old in one step, the proxy is told, old ones drain;
 *  4. the rest: unrouted services restart (stop, then start: a singleton never runs twice), new
 *     services start, removed ones stop, replica counts follow.
 * Returns what to wait for before the stack is called ready.
 */
export async function applyPlan(supervisor: StackSupervisor, next: Stack, plan: Plan, context: RolloutContext, progress: ProgressReporter): Promise<ReadinessTarget[]> {
  const { signal } = context;
  if (plan.runReleaseTasks) await supervisor.runReleaseTasksFor(next, progress, signal);
  throwIfCancelled(signal);

  const candidates = new Map<string, Replica[]>();
  try {
    for (const action of plan.services) {
      if (action.kind !== "replace") continue;
      const service = serviceOf(next, action.service);
      progress(`starting ${action.replicas} new ${service.name} replica${action.replicas === 1 ? "" : "s"} beside the running ones (${action.reason})`);
      const replicas: Replica[] = [];
      candidates.set(service.name, replicas);
      for (let index = 0; index < action.replicas; index++) replicas.push(await supervisor.createReplica(next, service, index));
      progress(`waiting for the new ${service.name} to be ready`);
      await waitUntilStackReady([readinessTarget(service, replicas, context.readyTimeoutMs)], supervisor.secretValues(), signal);
    }
    throwIfCancelled(signal);
  } catch (error) {
    progress("the new replicas did not become ready; stopping them, the running ones keep serving");
    await Promise.all([...candidates.values()].flat().map((replica) => supervisor.retire(replica)));
    if (error instanceof UserError) {
      throw new UserError(`${context.failure}: ${error.message}`, { ...error.options, exitCode: EXIT_STACK_FAILED, hint: `what ran before keeps serving; ${error.options.hint ?? ""}` });
    }
    throw error;
  }

  const retiring: Replica[] = [];
  for (const [name, replicas] of candidates) {
    retiring.push(...supervisor.replicasOf(name));
    supervisor.replaceReplicas(name, replicas);
  }
  supervisor.adoptStack(next);
  context.onSwitch();
  if (candidates.size > 0) progress("switching traffic to the new replicas");
  try {
    await context.switchTraffic();
    await drainRetired(retiring, next, context, progress);
  } finally {
    // Drained or not, the old replicas are stopped: left running they would be nobody's.
    await Promise.all(retiring.map((replica) => supervisor.retire(replica)));
  }

  const targets: ReadinessTarget[] = [];
  for (const action of plan.services) {
    if (action.kind === "remove") {
      progress(`stopping ${action.service} (no longer in berth.yml)`);
      await supervisor.stopService(action.service);
      continue;
    }
    const service = serviceOf(next, action.service);
    if (action.kind === "restart") {
      progress(`restarting ${service.name} (${action.reason})`);
      await supervisor.stopService(service.name);
    }
    // A restore adopts everything first: waiting on a dependency there could leave adoptable processes behind.
    if (action.kind === "add" && service.dependsOn.length > 0 && !context.adopt) await waitForDependencies(supervisor, service, targets, signal, progress);
    if (action.kind === "add") progress(`starting ${service.name} (${action.replicas} replica${action.replicas === 1 ? "" : "s"})`);
    if (action.kind !== "replace") await supervisor.scaleService(service, action.replicas, context.adopt);
    targets.push(readinessTarget(service, supervisor.replicasOf(service.name), context.readyTimeoutMs));
  }
  await context.switchTraffic();
  return targets;
}

/** Old replicas get no new requests after the switch; those they have run to their end, up to proxy.drain_timeout. */
async function drainRetired(retiring: Replica[], next: Stack, context: RolloutContext, progress: ProgressReporter): Promise<void> {
  const ports = portsOf(retiring);
  if (!context.drainTraffic || !next.proxy || ports.length === 0) return;
  progress(`letting the old replicas finish their requests (up to ${Math.round(next.proxy.drainTimeoutMs / 1000)} s)`);
  await context.drainTraffic(ports, next.proxy.drainTimeoutMs);
}

/** A service starts once what it depends on is ready (compose's `condition: service_healthy`). */
async function waitForDependencies(supervisor: StackSupervisor, service: Service, started: ReadinessTarget[], signal: AbortSignal, progress: ProgressReporter): Promise<void> {
  const dependencies = started.filter((target) => service.dependsOn.includes(target.service));
  if (dependencies.length === 0) return;
  for (const dependency of dependencies) progress(`waiting for ${dependency.service} to be ready`);
  try {
    await waitUntilStackReady(dependencies, supervisor.secretValues(), signal);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(`${service.name} was not started: it depends on ${error.message}`, error.options);
  }
}

function serviceOf(stack: Stack, name: string): Service {
  const service = stack.services.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`the plan names a service the stack does not define: ${name}`);
  return service;
}
