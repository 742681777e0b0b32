// Long-running children (nginx, Caddy, the profiled worker), waits on ports and HTTP answers, and
// CPU time read from /proc. Every child is started in its own process group, so stopping it also
// stops the workers it forked; nothing is ever killed by name.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { freePort, LOOPBACK, sleep } from "../supervisor/system.js";

export interface ChildOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logPath: string;
}

/** A process we started, leader of its own process group. */
export class Child {
  readonly pid: number;
  private exitCode: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private readonly exited: Promise<void>;
  private hasExited = false;

  constructor(
    readonly name: string,
    child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.hasExited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }

  get running(): boolean {
    return !this.hasExited;
  }

  describeExit(): string {
    return this.exitSignal ? `signal ${this.exitSignal}` : `code ${this.exitCode}`;
  }

  /** SIGTERM to the whole group, then SIGKILL to whatever of it is left after `graceMs`. */
  async stop(graceMs = 5_000): Promise<string[]> {
    const problems: string[] = [];
    signalGroup(this.pid, "SIGTERM");
    const deadline = performance.now() + graceMs;
    while (performance.now() < deadline && (this.running || groupAlive(this.pid))) await sleep(50);
    if (this.running || groupAlive(this.pid)) {
      problems.push(`${this.name} (process group ${this.pid}) still running ${graceMs} ms after SIGTERM: sent SIGKILL`);
      signalGroup(this.pid, "SIGKILL");
      await Promise.race([this.exited, sleep(2_000)]);
    }
    return problems;
  }
}

export function startChild(name: string, file: string, args: readonly string[], options: ChildOptions): Promise<Child> {
  const log = openSync(options.logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", log, log], detached: true });
  } finally {
    closeSync(log);
  }
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`${name}: could not run ${file}: ${error.message}`)));
    child.once("spawn", () => resolve(new Child(name, child)));
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!alive()) throw new Error(`the process meant to listen on ${port} exited`);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One GET on a fresh connection with the given Host header. */
export function httpGet(port: number, path: string, host: string, timeoutMs = 3_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: LOOPBACK, port, path, headers: { host }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`GET ${path} on ${port} timed out`)));
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** Polls until GET `path` answers 200 with exactly `expected`; rejects with the last answer seen. */
export async function waitForBody(port: number, path: string, host: string, expected: Buffer, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer";
  while (performance.now() < deadline) {
    try {
      const answer = await httpGet(port, path, host);
      if (answer.status === 200 && answer.body.equals(expected)) return;
      last = `status ${answer.status}, ${answer.body.length} bytes: ${answer.body.subarray(0, 120).toString("utf8").replace(/\s+/g, " ")}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`GET http://127.0.0.1:${port}${path} (Host: ${host}) never gave the expected 200 within ${timeoutMs} ms; last: ${last}`);
}

let clockTicks: number | null = null;

/** Kernel clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat times. */
export function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The fields of /proc/<pid>/stat after the command name (index 0 is field 3, the state). */
function statFields(pid: number | "self"): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

export interface CpuTime {
  /** Seconds in user mode. */
  user: number;
  /** Seconds in the kernel (system calls: the loopback TCP stack, epoll, file reads). */
  system: number;
}

/** CPU time used so far by a process (all its threads); zero when it is gone. */
export function processCpu(pid: number): CpuTime {
  const fields = statFields(pid);
  if (!fields) return { user: 0, system: 0 };
  return { user: Number(fields[11]) / ticksPerSecond(), system: Number(fields[12]) / ticksPerSecond() };
}

/** CPU seconds of this process's children that have exited and been reaped (cutime + cstime). */
export function reapedChildrenCpuSeconds(): number {
  const fields = statFields("self");
  if (!fields) return 0;
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond();
}

export function cpuOf(pids: readonly number[]): CpuTime {
  return pids.map(processCpu).reduce((sum, time) => ({ user: sum.user + time.user, system: sum.system + time.system }), { user: 0, system: 0 });
}

/** `root` and every process below it, from the parent pids in /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]);
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0 && tree.length < 10_000) {
    const pid = queue.shift()!;
    if (statFields(pid) === null) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** `count` different free loopback ports (each closed again before use). */
export async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count && attempt < count * 20; attempt++) ports.add(await freePort());
  if (ports.size < count) throw new Error(`could not find ${count} free loopback ports`);
  return [...ports];
}
