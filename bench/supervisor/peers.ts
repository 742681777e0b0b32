// What the benchmark needs from a supervisor, and the parts the berth and PM2 drivers share.
import { rmSync } from "node:fs";
import { probe } from "./http-probe.js";
import { isAlive, readCommandLine, sleep } from "./system.js";

export type PeerName = "berth" | "pm2";

export interface PeerContext {
  /** The repository root (holds bin/berth.js and node_modules/pm2). */
  root: string;
  /** The benchmark app, bench/supervisor/app.mjs. */
  appPath: string;
  /** The node binary both supervisors run the app with. */
  node: string;
}

/** One supervisor running the benchmark app as a single process on 127.0.0.1:`port`. */
export interface Peer {
  readonly name: PeerName;
  /** How the report names its daemon, e.g. "PM2 God daemon". */
  readonly daemonLabel: string;
  readonly version: string;
  readonly port: number;
  /** Starts the daemon and the app in a private temporary home; resolves once the app answers. */
  start(): Promise<void>;
  /** The app's pid as the supervisor itself reports it. */
  appPid(): Promise<number>;
  /** The pid of the supervisor's long-running daemon. */
  daemonPid(): Promise<number>;
  /** Stops the app and the daemon and removes the temporary home. Never rejects; resolves with what went wrong. */
  stop(): Promise<string[]>;
}

/**
 * After a peer's own stop command: ends whatever of ours is still alive (the app still answering on
 * the port, the daemon pid we saw), each checked by its command line so no unrelated process is hit,
 * then deletes the temporary directory.
 */
export async function sweepLeftovers(options: {
  peer: string;
  port: number;
  appPath: string;
  daemonPid: number | null;
  daemonCommandLine: RegExp;
  directory: string;
}): Promise<string[]> {
  const problems: string[] = [];
  const reply = await probe(options.port, 300);
  if (reply && !(await exits(reply.pid)) && (readCommandLine(reply.pid) ?? "").includes(options.appPath)) {
    problems.push(`${options.peer}: the app (pid ${reply.pid}) was still running ${EXIT_WAIT_MS} ms after stop; sent SIGKILL`);
    killQuietly(reply.pid);
  }
  const daemon = options.daemonPid;
  if (daemon !== null && !(await exits(daemon)) && options.daemonCommandLine.test(readCommandLine(daemon) ?? "")) {
    problems.push(`${options.peer}: the daemon (pid ${daemon}) was still running ${EXIT_WAIT_MS} ms after stop; sent SIGKILL`);
    killQuietly(daemon);
  }
  try {
    rmSync(options.directory, { recursive: true, force: true });
  } catch (error) {
    problems.push(`${options.peer}: could not remove ${options.directory}: ${(error as Error).message}`);
  }
  return problems;
}

const EXIT_WAIT_MS = 5_000;

/** Whether the process is gone, or goes within EXIT_WAIT_MS (a stop command may return just before its daemon exits). */
async function exits(pid: number): Promise<boolean> {
  const deadline = Date.now() + EXIT_WAIT_MS;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Serialises a driver's shutdown against its other CLI calls: once stop() begins, new calls are
 * refused, and stop() waits for calls already running (`berth ps` would otherwise start a fresh
 * daemon after `berth daemon stop`).
 */
export class CommandGate {
  private closed = false;
  private readonly running = new Set<Promise<unknown>>();

  run<T>(action: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the supervisor is being stopped"));
    const promise = action();
    this.running.add(promise);
    const forget = () => this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Refuses further calls and resolves once the running ones have settled. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running]);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
