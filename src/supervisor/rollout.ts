import type { Service, Stack } from "../config/types.js";
import { startOrder } from "../config/dependency-order.js";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import type { Replica } from "./replica.js";
import type { ProgressReporter, StackSupervisor } from "./stack-supervisor.js";

export interface RolloutOptions {
  runReleaseTasks: boolean;
  /** Services left running as they are (the seeds' --celery-no-restart). */
  noRestart: string[];
  readyTimeoutMs: number;
  /** Moves traffic to the replicas now in place and resolves once every proxy worker uses them. */
  switchTraffic: () => Promise<void>;
}

/**
 * A zero-downtime deploy of `next` over what `supervisor` runs:
 *  1. release tasks (migrations) once;
 *  2. services behind the proxy: new replicas start beside the old ones on new ports and must all
 *     become ready; any failure stops them and leaves the old release serving untouched;
 *  3. the switch: the new replicas replace the old in one step, and the proxy is told;
 *  4. the old replicas stop gracefully (in-flight requests finish within stop_grace);
 *  5. other services (workers, schedulers) are restarted one after another: stop, then start, so a
 *     singleton such as celery beat never runs twice.
 */
export async function rollOut(supervisor: StackSupervisor, next: Stack, options: RolloutOptions, progress: ProgressReporter): Promise<void> {
  if (options.runReleaseTasks) await supervisor.runReleaseTasksFor(next, progress);
  const routed = new Set(next.proxy?.routes.map((route) => route.service) ?? []);
  const sideBySide = startOrder(next.services).filter((service) => routed.has(service.name) && service.port.kind !== "fixed");
  const started = new Map<string, Replica[]>();
  try {
    for (const service of sideBySide) {
      progress(`starting ${service.replicas} new ${service.name} replica${service.replicas === 1 ? "" : "s"} beside the running ones`);
      const replicas = await startReplicas(supervisor, next, service);
      started.set(service.name, replicas);
      progress(`waiting for the new ${service.name} to be healthy`);
      await Promise.all(replicas.map((replica) => replica.waitUntilReady(options.readyTimeoutMs)));
    }
  } catch (error) {
    progress("the new release did not become ready; stopping it, the current release keeps serving");
    await Promise.all([...started.values()].flat().map((replica) => supervisor.retire(replica)));
    throw new UserError(`deploy aborted: ${(error as Error).message}`, {
      exitCode: EXIT_STACK_FAILED,
      hint: "the previous release is still serving; see `berth logs` for the new replicas' output",
    });
  }

  const retiring: Replica[] = [];
  for (const [name, replicas] of started) {
    retiring.push(...supervisor.replicasOf(name));
    supervisor.replaceReplicas(name, replicas);
  }
  supervisor.adoptStack(next);
  progress("switching traffic to the new release");
  await options.switchTraffic();
  await Promise.all(retiring.map((replica) => supervisor.retire(replica)));

  for (const service of startOrder(next.services)) {
    if (started.has(service.name)) continue;
    if (options.noRestart.includes(service.name)) {
      progress(`leaving ${service.name} running (--no-restart)`);
      continue;
    }
    progress(`restarting ${service.name}`);
    await Promise.all(supervisor.replicasOf(service.name).map((replica) => supervisor.retire(replica)));
    const replicas = await startReplicas(supervisor, next, service);
    supervisor.replaceReplicas(service.name, replicas);
  }
  const gone = new Set(next.services.map((service) => service.name));
  for (const replica of retiringRemovedServices(supervisor, gone)) await supervisor.retire(replica);
}

async function startReplicas(supervisor: StackSupervisor, next: Stack, service: Service): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (let index = 0; index < service.replicas; index++) {
    const replica = await supervisor.createReplica(next, service, index);
    replica.start();
    replicas.push(replica);
  }
  return replicas;
}

/** Replicas of services the new release no longer defines. */
function retiringRemovedServices(supervisor: StackSupervisor, kept: Set<string>): Replica[] {
  return supervisor.serviceNamesRunning().filter((name) => !kept.has(name)).flatMap((name) => {
    const replicas = supervisor.replicasOf(name);
    supervisor.replaceReplicas(name, []);
    return replicas;
  });
}
