import { readdir } from "node:fs/promises";
import { join } from "node:path";

// Where berth keeps logs: `<logDir>/<service>.<replica>.log` per replica, `<logDir>/release.log` for
// release tasks, `<logDir>/<job>.job.log` per scheduled job, and rotated generations beside them as `<file>.1`, `<file>.2.gz`, … (1 is the newest).

export const RELEASE_LABEL = "release";
const RELEASE_FILE = "release.log";
const REPLICA_FILE = /^(.+)\.(\d+)\.log$/;
const JOB_FILE = /^(.+)\.job\.log$/;

export interface LogFileEntry {
  path: string;
  /** `<service>.<replica>` or `release`; what `berth logs` prints before each line. */
  label: string;
  /** Null for the release log. */
  service: string | null;
  replica: number | null;
}

export function replicaLogPath(logDir: string, service: string, replica: number): string {
  if (!isSafeFileNamePart(service)) throw new Error(`service name ${JSON.stringify(service)} cannot be used in a file name`);
  if (!Number.isInteger(replica) || replica < 0) throw new Error(`replica must be a non-negative integer, got ${replica}`);
  return join(logDir, `${service}.${replica}.log`);
}

/** A scheduled job's runs, one file per job: `berth logs NAME` shows them like a service's. */
export function jobLogPath(logDir: string, job: string): string {
  if (!isSafeFileNamePart(job)) throw new Error(`job name ${JSON.stringify(job)} cannot be used in a file name`);
  return join(logDir, `${job}.job.log`);
}

export function releaseLogPath(logDir: string): string {
  return join(logDir, RELEASE_FILE);
}

/** The path of rotated generation `index` (1 = newest) of `path`. */
export function rotatedLogPath(path: string, index: number, compressed = false): string {
  return `${path}.${index}${compressed ? ".gz" : ""}`;
}

/**
 * The current (not rotated) log files in `logDir`, release log first, then replicas by service and
 * number. Pass `service` to keep only that service's replicas. A missing directory has no logs.
 */
export async function logFilesFor(logDir: string, filter: { service?: string } = {}): Promise<LogFileEntry[]> {
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries = names.map((name) => describeLogFile(logDir, name)).filter((entry) => entry !== null);
  return entries
    .filter((entry) => filter.service === undefined || entry.service === filter.service)
    .sort(compareEntries);
}

function describeLogFile(logDir: string, name: string): LogFileEntry | null {
  if (name === RELEASE_FILE) return { path: join(logDir, name), label: RELEASE_LABEL, service: null, replica: null };
  const job = JOB_FILE.exec(name);
  if (job) return { path: join(logDir, name), label: job[1] ?? "", service: job[1] ?? "", replica: null };
  const match = REPLICA_FILE.exec(name);
  if (!match) return null;
  const service = match[1] ?? "";
  const replica = Number(match[2]);
  return { path: join(logDir, name), label: `${service}.${replica}`, service, replica };
}

function compareEntries(a: LogFileEntry, b: LogFileEntry): number {
  if (a.service === null || b.service === null) return a.service === null ? (b.service === null ? 0 : -1) : 1;
  if (a.service !== b.service) return a.service < b.service ? -1 : 1;
  return (a.replica ?? 0) - (b.replica ?? 0);
}

function isSafeFileNamePart(name: string): boolean {
  return name.length > 0 && name !== "." && name !== ".." && !/[/\\\0]/.test(name);
}
