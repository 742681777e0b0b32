import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";

/** The repository root (this file runs from dist/test/helpers/). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
export const BERTH_BIN = join(REPO_ROOT, "bin", "berth.js");
export const FIXTURES = join(REPO_ROOT, "test", "fixtures");

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BerthOptions {
  home: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs the real CLI as a user would, with its own BERTH_HOME. */
export function berth(args: string[], options: BerthOptions): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BERTH_BIN, ...args], {
      cwd: options.cwd ?? options.home,
      env: { ...process.env, NO_COLOR: "1", BERTH_HOME: options.home, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`berth ${args.join(" ")} did not finish within ${options.timeoutMs ?? 120_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** berth, failing the test with the command's output unless it exits 0. */
export async function berthOk(args: string[], options: BerthOptions): Promise<CommandResult> {
  const result = await berth(args, options);
  if (result.code !== 0) throw new Error(`berth ${args.join(" ")} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

export async function berthJson<T>(args: string[], options: BerthOptions): Promise<T> {
  return JSON.parse((await berthOk([...args, "--json"], options)).stdout) as T;
}

/** A temporary directory removed when the test ends. */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The BERTH_HOMEs this test process made: another copy of the suite running at once uses the same stack names. */
const homesOfThisRun = new Set<string>();

/** A fresh BERTH_HOME whose daemon is stopped, and whose files are removed, when the test ends. */
export function makeHome(t: TestContext, prefix = "berth-test-"): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  homesOfThisRun.add(home);
  t.after(async () => {
    await berth(["daemon", "stop", "--all"], { home, timeoutMs: 60_000 }).catch(() => {});
    keepDaemonLog(home);
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

/** The daemon's log outlives the home, in $TMPDIR/berth-test-daemon-logs/, to read after a failure. */
function keepDaemonLog(home: string): void {
  const kept = join(tmpdir(), "berth-test-daemon-logs");
  try {
    mkdirSync(kept, { recursive: true });
    copyFileSync(join(home, "daemon.log"), join(kept, `${basename(home)}.log`));
  } catch {
    // no daemon ran
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails with `what` at the deadline. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpGet(port: number, path: string, host = "localhost"): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Every live process whose environment says it belongs to the stack: catches escapees of any process group. */
export function processesOfStack(stackName: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (/\) [ZX] /.test(status)) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (environ.includes(`BERTH_STACK=${stackName}`) && isOfThisRun(environ)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function isOfThisRun(environ: string[]): boolean {
  const dataDir = environ.find((variable) => variable.startsWith("BERTH_DATA_DIR="))?.slice("BERTH_DATA_DIR=".length);
  if (homesOfThisRun.size === 0 || dataDir === undefined) return true;
  return [...homesOfThisRun].some((home) => dataDir.startsWith(home + "/"));
}

/** The process groups of every live process of the stack. */
export function processGroupsOfStack(stackName: string): Set<number> {
  const groups = new Set<number>();
  for (const pid of processesOfStack(stackName)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      groups.add(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]));
    } catch {
      // ended meanwhile
    }
  }
  return groups;
}

/** One row of `berth ps --json`. */
export type { ProcessRow as PsRow } from "../../src/daemon/stack-manager.js";
