import type { Service } from "../config/types.js";
import type { HealthState } from "../health/health-monitor.js";
import type { RotatingLogFile } from "../logs/index.js";
import type { Logger } from "../util/logger.js";
import type { OutputPipePaths } from "./output-pipe.js";
import type { ReplicaStatus } from "./replica-state.js";

// What a Replica is made from and what it reports; replica.ts re-exports them.

export interface ReplicaSnapshot {
  service: string;
  replica: number;
  pid: number | null;
  /** Start time of the leader in clock ticks since boot: with pid, identifies the process for adoption. */
  startTicks: number | null;
  status: ReplicaStatus;
  health: HealthState | "none";
  restarts: number;
  startedAt: number | null;
  port: number | null;
  lastExit: string | null;
  /** The FIFOs the process writes its output to; a new daemon reopens them when it adopts it. */
  outputPipes: OutputPipePaths | null;
  /** Kept out of the proxy's table while its requests finish, before a restart. */
  draining?: boolean;
}

/** What a new daemon needs, from the previous one's snapshot, to take a running process over. */
export interface AdoptionRecord {
  pid: number;
  startTicks: number;
  startedAt: number;
  restarts: number;
  outputPipes: OutputPipePaths;
}

export interface ReplicaOptions {
  service: Service;
  index: number;
  port: number | null;
  env: Record<string, string>;
  log: RotatingLogFile;
  logger: Logger;
  onChange: () => void;
  /** Tells the stack's event journal what happened to this replica (crash, crash loop, health restart). */
  report?: (kind: "crash" | "crash-loop" | "health-restart", message: string) => void;
  /** Where the output FIFOs live (created 0700). */
  runDir: string;
}
