import type { RestartPolicy } from "./types.js";

// Every default of berth.yml, in the form users would write it. The schema shows them in the JSON
// Schema and the docs; resolve.ts converts them like any user value.

export const DEFAULTS = Object.freeze({
  fileName: "berth.yml",
  /** Used when the directory name has nothing usable in it. */
  stackName: "stack",
  database: { engine: "sqlite", fileName: "db.sqlite3" },
  redis: false,
  backup: { keep: 7 },
  service: {
    replicas: 1,
    restart: "always" as RestartPolicy,
    stopGrace: "10s",
  },
  health: {
    status: 200,
    interval: "5s",
    timeout: "3s",
    retries: 3,
    startPeriod: "0s",
  },
  logs: {
    maxSize: "10MB",
    keep: 5,
    compress: true,
  },
});

/**
 * The most replicas one service may have. Every replica is a process with its own port and memory
 * on this one server, so past a few dozen more copies only add memory pressure and start-up time
 * (a typo such as 100000000 would fork until the host falls over); more concurrency comes from the
 * server's own workers (gunicorn --workers) or from a second server.
 */
export const MAX_REPLICAS = 64;

/**
 * Variables berth sets in every process at start. `${NAME}` references to them in berth.yml are
 * left for the shell, because their values exist only when the process starts.
 */
export const RUNTIME_VARIABLES: readonly string[] = ["PORT", "DATABASE_URL", "REDIS_URL"];
export const RUNTIME_VARIABLE_PREFIX = "BERTH_";

export function isRuntimeVariable(name: string): boolean {
  return RUNTIME_VARIABLES.includes(name) || name.startsWith(RUNTIME_VARIABLE_PREFIX);
}
