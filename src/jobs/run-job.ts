import { spawn } from "node:child_process";
import type { RotatingLogFile } from "../logs/index.js";
import { terminateProcessGroup } from "../supervisor/process-group.js";
import type { JobRunStatus } from "./job-state.js";

/** A run past its timeout gets this long after SIGTERM before SIGKILL. */
const TIMEOUT_GRACE_MS = 10_000;

export interface JobProcessOptions {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** The user the run runs as; null: berth's own. */
  user: { uid: number; gid: number } | null;
  log: RotatingLogFile;
  timeoutMs: number | null;
  /** Ends the run now (the stack stopping): its whole process group. */
  signal: AbortSignal;
}

export interface JobOutcome {
  status: Exclude<JobRunStatus, "running">;
  exitCode: number | null;
  durationMs: number;
  /** Why it failed, in berth's words: never the job's output, which may hold secret values. */
  reason: string | null;
}

/** Runs one job in its own process group, its output in the job's log like a service's. */
export function runJobProcess(options: JobProcessOptions): Promise<JobOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    let timedOut = false;
    const identity = options.user ? { uid: options.user.uid, gid: options.user.gid } : {};
    const child = spawn("/bin/sh", ["-c", options.command], { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"], ...identity });
    options.log.attachStream(child.stdout!, "out");
    options.log.attachStream(child.stderr!, "err");
    const stop = (why: NodeJS.Signals) => {
      if (child.pid) void terminateProcessGroup(child.pid, why, TIMEOUT_GRACE_MS, options.log);
    };
    const timer = options.timeoutMs === null ? null : setTimeout(() => {
      timedOut = true;
      options.log.writeLine("err", `[berth] job still running after its timeout of ${options.timeoutMs} ms: stopping it`);
      stop("SIGTERM");
    }, options.timeoutMs);
    const onAbort = () => stop("SIGTERM");
    options.signal.addEventListener("abort", onAbort, { once: true });
    const finish = (exitCode: number | null, signalName: NodeJS.Signals | null, spawnError?: Error) => {
      if (timer) clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      const durationMs = Date.now() - started;
      if (spawnError) return resolve({ status: "failed", exitCode: null, durationMs, reason: `could not start: ${spawnError.message}` });
      if (timedOut) return resolve({ status: "timed-out", exitCode, durationMs, reason: `timed out after ${options.timeoutMs} ms` });
      if (exitCode === 0) return resolve({ status: "succeeded", exitCode, durationMs, reason: null });
      resolve({ status: "failed", exitCode, durationMs, reason: signalName ? `killed by ${signalName}` : `exit code ${exitCode}` });
    };
    child.once("error", (error) => finish(null, null, error));
    child.once("exit", (code, signalName) => finish(code, signalName));
  });
}
