import type { Service, Stack } from "../config/types.js";
import type { StackPaths } from "../util/paths.js";
import type { BackingCredentials } from "./credentials.js";
import type { BackingTools } from "./host-check.js";
import { shellQuote } from "./identifiers.js";
import type { BackingLayout } from "./layout.js";
import type { SystemUser } from "./run-as.js";

/** What every engine module works with. */
export interface EngineContext {
  stack: Stack;
  paths: StackPaths;
  layout: BackingLayout;
  tools: BackingTools;
  credentials: BackingCredentials;
  /** berth's own environment (PATH, LANG...), for the servers' tools. */
  baseEnv: Record<string, string>;
  /** Every password involved, scrubbed from error output. */
  secretValues: string[];
}

// A server is down only while it restarts, but its first start (crash recovery after a kill) may
// take a while; the probe is quick until it first passes, so readiness is not delayed by this.
const PROBE = { intervalMs: 2_000, timeoutMs: 5_000, retries: 3, startPeriodMs: 60_000 };
const STOP_GRACE_MS = 30_000;

/** A supervised replica for a server: restarted with backoff, probed, logged like any service. */
export function backingService(options: {
  name: string;
  argv: string[];
  cwd: string;
  port: number;
  healthCommand: string;
  env?: Record<string, string>;
  probeEnv?: Record<string, string>;
  stopSignal?: Service["stopSignal"];
  user?: SystemUser | null;
}): Service {
  return {
    name: options.name,
    command: options.argv.map(shellQuote).join(" "),
    cwd: options.cwd,
    env: options.env ?? {},
    replicas: 1,
    port: { kind: "fixed", base: options.port },
    health: { kind: "command", command: options.healthCommand, probe: { ...PROBE } },
    restart: "always",
    stopGraceMs: STOP_GRACE_MS,
    dependsOn: [],
    runAs: null,
    ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
    ...(options.probeEnv ? { probeEnv: options.probeEnv } : {}),
    ...(options.user ? { user: { ...options.user } } : {}),
  };
}
