import type { Service, Stack } from "../config/types.js";
import { startOrder } from "../config/dependency-order.js";

// The plan: a pure function from what runs and what the user asks for to per-service actions.
// `up` with a changed file and `deploy` apply plans through the same rollout, so a change touches
// only what it must (kamal-proxy's deploy: start new, wait healthy, switch, drain old).

export type ServiceAction =
  /** Same definition: its processes are left alone (a replica count change scales it in place). */
  | { kind: "keep"; service: string; replicas: number }
  /** New replicas start beside the old on new ports; traffic switches once all are ready. */
  | { kind: "replace"; service: string; replicas: number; reason: string }
  /** Stopped, then started again: unrouted services (a worker, a singleton such as celery beat) or fixed ports. */
  | { kind: "restart"; service: string; replicas: number; reason: string }
  | { kind: "add"; service: string; replicas: number }
  | { kind: "remove"; service: string };

export interface Plan {
  /** Nothing at all changes: `up` answers "unchanged" without touching a process. */
  unchanged: boolean;
  /** The database and Redis servers restart only when their own settings changed. */
  restartBacking: boolean;
  runReleaseTasks: boolean;
  /** Hosts, routes, TLS or static paths changed: the proxy needs a new table (and maybe a certificate). */
  updateProxy: boolean;
  /** In start order (dependencies first); removals last. */
  services: ServiceAction[];
}

export interface PlanOptions {
  /** A deploy restarts every service (new code), except those in `noRestart`; `up` only what changed. */
  restartAll: boolean;
  noRestart: string[];
  /** Release tasks run on a first start, on every deploy, and on `up` when the code or the tasks changed. */
  runReleaseTasks: boolean;
  /** `berth scale` overrides, kept across `up` and deploys until the file's own count changes. */
  scale: Record<string, number>;
}

/** What it takes to go from `running` (null: nothing runs) to `next`. */
export function planChange(running: Stack | null, next: Stack, options: PlanOptions): Plan {
  const replicasOf = (service: Service) => options.scale[service.name] ?? service.replicas;
  if (!running) {
    return {
      unchanged: false,
      restartBacking: true,
      runReleaseTasks: options.runReleaseTasks,
      updateProxy: next.proxy !== null,
      services: startOrder(next.services).map((service) => ({ kind: "add", service: service.name, replicas: replicasOf(service) })),
    };
  }
  const restartBacking = !sameJson(backingSettings(running), backingSettings(next));
  const stackWide = stackWideChange(running, next, restartBacking);
  const routed = new Set(next.proxy?.routes.map((route) => route.service) ?? []);
  const services: ServiceAction[] = [];
  for (const service of startOrder(next.services)) {
    const replicas = replicasOf(service);
    const before = running.services.find((candidate) => candidate.name === service.name);
    if (!before) {
      services.push({ kind: "add", service: service.name, replicas });
      continue;
    }
    const reason = options.noRestart.includes(service.name)
      ? null
      : options.restartAll
        ? "new release"
        : (stackWide ?? serviceChange(before, service));
    if (reason === null) {
      services.push({ kind: "keep", service: service.name, replicas });
      continue;
    }
    const sideBySide = routed.has(service.name) && service.port.kind !== "fixed";
    services.push({ kind: sideBySide ? "replace" : "restart", service: service.name, replicas, reason });
  }
  for (const service of running.services) {
    if (!next.services.some((candidate) => candidate.name === service.name)) services.push({ kind: "remove", service: service.name });
  }
  const updateProxy = !sameJson(running.proxy, next.proxy);
  const runReleaseTasks = options.runReleaseTasks && (options.restartAll || !sameJson(running.release, next.release) || running.root !== next.root);
  const runningReplicas = (name: string) => {
    const service = running.services.find((candidate) => candidate.name === name);
    return service ? (options.scale[name] ?? service.replicas) : -1;
  };
  const unchanged =
    !restartBacking &&
    !updateProxy &&
    !runReleaseTasks &&
    services.every((action) => action.kind === "keep" && action.replicas === runningReplicas(action.service)) &&
    sameJson(withoutServices(running), withoutServices(next));
  return { unchanged, restartBacking, runReleaseTasks, updateProxy, services };
}

/** One line per action that does something, for progress and `--dry-run`-like summaries. */
export function describePlan(plan: Plan): string[] {
  const lines: string[] = [];
  if (plan.restartBacking) lines.push("database/redis settings changed: their servers restart");
  if (plan.runReleaseTasks) lines.push("release tasks run");
  for (const action of plan.services) {
    if (action.kind === "replace") lines.push(`${action.service}: new replicas beside the old, then switch (${action.reason})`);
    else if (action.kind === "restart") lines.push(`${action.service}: restart (${action.reason})`);
    else if (action.kind === "add") lines.push(`${action.service}: start ${action.replicas} replica${action.replicas === 1 ? "" : "s"}`);
    else if (action.kind === "remove") lines.push(`${action.service}: stop (no longer in berth.yml)`);
  }
  if (plan.updateProxy) lines.push("proxy: new routes or certificate");
  return lines;
}

function backingSettings(stack: Stack): unknown {
  return { database: stack.database, redis: stack.redis };
}

/** A change that every process sees in its environment or working directory. */
function stackWideChange(running: Stack, next: Stack, restartBacking: boolean): string | null {
  if (restartBacking) return "database or redis settings changed";
  if (!sameJson(running.env, next.env)) return `env changed (${changedKeys(running.env, next.env).join(", ")})`;
  if (!sameJson(running.secrets, next.secrets)) return "secrets changed";
  if (running.releaseId !== next.releaseId) return "new release";
  if (running.root !== next.root) return "the stack's directory changed";
  return null;
}

/** Why a service's processes must be replaced, or null when its definition is the same (replicas aside). */
function serviceChange(before: Service, after: Service): string | null {
  const { replicas: _before, ...beforeRest } = before;
  const { replicas: _after, ...afterRest } = after;
  if (sameJson(beforeRest, afterRest)) return null;
  const keys = (Object.keys(afterRest) as (keyof typeof afterRest)[]).filter((key) => !sameJson(beforeRest[key], afterRest[key]));
  if (keys.includes("env")) return `env changed (${changedKeys(before.env, after.env).join(", ")})`;
  return `${keys.join(", ")} changed`;
}

function changedKeys(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => a[key] !== b[key]).sort();
}

function withoutServices(stack: Stack): unknown {
  const { services: _services, file: _file, ...rest } = stack;
  return rest;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
