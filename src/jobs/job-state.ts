import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";

// What `berth jobs` shows, kept in `<stack>/jobs.json` by the daemon so the CLI can read it even while
// the daemon is down (like the logs and the event journal).

export type JobRunStatus = "running" | "succeeded" | "failed" | "timed-out";

export interface JobRun {
  startedAt: string;
  finishedAt: string | null;
  status: JobRunStatus;
  exitCode: number | null;
  durationMs: number | null;
  /** "schedule" or "manual" (`berth jobs run`). */
  trigger: "schedule" | "manual";
}

export interface JobStatus {
  name: string;
  schedule: string;
  timezone: string;
  command: string;
  nextRun: string | null;
  lastRun: JobRun | null;
  /** Runs skipped because the previous one was still going (overlap: skip). */
  skipped: number;
}

export function jobStatePath(stackRoot: string): string {
  return join(stackRoot, "jobs.json");
}

export function readJobStates(path: string): JobStatus[] {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return Array.isArray(parsed) ? (parsed as JobStatus[]) : [];
  } catch {
    return [];
  }
}

export function writeJobStates(path: string, states: JobStatus[]): void {
  writeFileAtomic(path, JSON.stringify(states, null, 2) + "\n");
}
