import type { AlertKind } from "./operations-schema.js";

export type { AlertKind } from "./operations-schema.js";

/** A file the app writes itself (`logs.files`), rotated by berth. */
export interface AppLogFile {
  /** Absolute, or relative to the live release's directory. */
  path: string;
  /** Rename, then signal this service's processes to reopen; null: copy-then-truncate. */
  reopen: { service: string; signal: string } | null;
}

/** The parts of the log policy added with `logs.max_age`, `every`, `max_total` and `files`. */
export interface LogPolicyExtras {
  maxAgeMs?: number | null;
  every?: "daily" | "weekly" | null;
  maxTotalBytes?: number | null;
  files?: AppLogFile[];
}

export interface Job {
  name: string;
  schedule: string;
  command: string;
  timeoutMs: number | null;
  overlap: "skip" | "queue";
  timezone: string;
}

export interface AlertPolicy {
  webhook: string;
  on: AlertKind[];
}
