// The three ways of shipping a new version that bench/deploy compares, each in a private home.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive, readPackageVersion, sleep } from "../supervisor/system.js";
import { fetchVersion } from "./load.js";

export type PeerId = "berth-deploy" | "stop-then-start" | "pm2-reload";

export interface PeerContext {
  root: string;
  appPath: string;
  node: string;
  /** Unique to this run: put in every spawned process's environment so cleanup finds only ours. */
  marker: string;
}

/** One line a CLI printed, with when (ms after the command started). */
export interface TimedLine {
  ms: number;
  line: string;
}

export interface StepTiming {
  /** e.g. "berth deploy", "berth down", "berth up -d", "pm2 reload". */
  command: string;
  ms: number;
  output: TimedLine[];
}

export interface DeployPeer {
  readonly id: PeerId;
  readonly label: string;
  readonly version: string;
  /** Where the load goes (berth's proxy, or PM2's cluster port) and with which Host header. */
  readonly port: number;
  readonly host: string | undefined;
  /** Starts the app at `version` and resolves once it serves. */
  start(version: string): Promise<void>;
  /** Ships `version`; resolves when the peer's command(s) return, with their timings. */
  deploy(version: string): Promise<StepTiming[]>;
  /** Stops everything and removes the temporary home. Never rejects; resolves with what went wrong. */
  stop(): Promise<string[]>;
}

export const HOST = "deploy.bench";
const STACK = "bench-deploy";
const PM2_APP = "bench-deploy";

/** Runs a command, timestamping each output line; rejects on a non-zero exit or past the timeout. */
export function runTimed(file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<TimedLine[]> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    const lines: TimedLine[] = [];
    const partial = { stdout: "", stderr: "" };
    const collect = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      const text = partial[stream] + chunk.toString("utf8");
      const parts = text.split("\n");
      partial[stream] = parts.pop() ?? "";
      const ms = performance.now() - started;
      for (const line of parts) if (line.trim()) lines.push({ ms, line: line.trimEnd() });
    };
    child.stdout.on("data", collect("stdout"));
    child.stderr.on("data", collect("stderr"));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      for (const rest of [partial.stdout, partial.stderr]) if (rest.trim()) lines.push({ ms, line: rest.trimEnd() });
      if (code === 0) resolve(lines);
      else {
        const tail = lines.slice(-15).map((entry) => entry.line).join("\n");
        reject(new Error(`${[file, ...args].join(" ")} ${signal ? `killed by ${signal} after ${options.timeoutMs} ms` : `exited ${code}`}${tail ? `\n${tail}` : ""}`));
      }
    });
  });
}

async function timed(command: string, run: () => Promise<TimedLine[]>): Promise<StepTiming> {
  const started = performance.now();
  const output = await run();
  return { command, ms: performance.now() - started, output };
}

/** Polls with fresh connections until `hello from <version>` answers `times` times in a row. */
export async function waitForVersion(port: number, host: string | undefined, version: string, timeoutMs: number, times = 3): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const expected = `hello from ${version}`;
  let streak = 0;
  let last: string | null = null;
  while (streak < times) {
    if (performance.now() >= deadline) throw new Error(`127.0.0.1:${port} did not serve "${expected}" within ${timeoutMs} ms (last answer: ${last ?? "none"})`);
    last = await fetchVersion(port, host);
    streak = last === expected ? streak + 1 : 0;
    if (streak < times) await sleep(last === expected ? 0 : 20);
  }
}

/** berth with a proxy on loopback: shipped by `berth deploy`, or by `berth down` + `berth up -d`. */
export class BerthPeer implements DeployPeer {
  readonly label: string;
  readonly version: string;
  readonly host = HOST;
  private readonly directory: string;
  private readonly stackDirectory: string;
  private readonly stackFile: string;
  private readonly home: string;
  private stopping = false;

  constructor(
    readonly id: "berth-deploy" | "stop-then-start",
    private readonly context: PeerContext,
    readonly port: number,
    private readonly httpsPort: number,
  ) {
    this.label = id === "berth-deploy" ? "berth deploy" : "stop-then-start";
    this.version = readPackageVersion(join(context.root, "package.json"));
    this.directory = mkdtempSync(join(tmpdir(), `berth-${id}-bench-`));
    this.home = join(this.directory, "home");
    this.stackDirectory = join(this.directory, "stack");
    mkdirSync(this.stackDirectory);
    this.stackFile = join(this.stackDirectory, "berth.yml");
  }

  async start(version: string): Promise<void> {
    writeFileSync(this.stackFile, this.stack(version));
    await this.berth(this.id === "berth-deploy" ? ["deploy"] : ["up", "-d"], 120_000);
    await waitForVersion(this.port, this.host, version, 60_000);
  }

  async deploy(version: string): Promise<StepTiming[]> {
    writeFileSync(this.stackFile, this.stack(version));
    if (this.id === "berth-deploy") return [await timed("berth deploy", () => this.berth(["deploy"], 120_000))];
    const down = await timed("berth down", () => this.berth(["down"], 60_000));
    const up = await timed("berth up -d", () => this.berth(["up", "-d"], 60_000));
    return [down, up];
  }

  async stop(): Promise<string[]> {
    this.stopping = true;
    const problems: string[] = [];
    for (const args of [["down"], ["daemon", "stop", "--all"]]) {
      try {
        await this.execute(args, 60_000);
      } catch (error) {
        problems.push(`berth ${args.join(" ")}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
    return [...problems, ...(await sweep(this.context.marker, this.label)), ...removeDirectory(this.directory, this.label)];
  }

  private berth(args: readonly string[], timeoutMs: number): Promise<TimedLine[]> {
    if (this.stopping) return Promise.reject(new Error("the peer is being stopped"));
    return this.execute(args, timeoutMs);
  }

  private execute(args: readonly string[], timeoutMs: number): Promise<TimedLine[]> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BERTH_HOME: this.home,
      BERTH_PROXY_ADDRESS: "127.0.0.1",
      BERTH_HTTP_PORT: String(this.port),
      BERTH_HTTPS_PORT: String(this.httpsPort),
      BERTH_PROXY_WORKERS: "2",
      BENCH_DEPLOY_RUN: this.context.marker,
      NO_COLOR: "1",
    };
    delete env.PORT;
    return runTimed(this.context.node, [join(this.context.root, "bin", "berth.js"), "-f", this.stackFile, ...args], { cwd: this.stackDirectory, env, timeoutMs });
  }

  /** Two web replicas behind the proxy with an HTTP health check, plain HTTP (tls: off). */
  private stack(version: string): string {
    const command = `exec ${shellQuote(this.context.node)} ${shellQuote(this.context.appPath)} --bench-run=${this.context.marker}`;
    return [
      `name: ${STACK}`,
      "env:",
      `  APP_VERSION: ${version}`,
      "services:",
      "  web:",
      `    command: ${JSON.stringify(command)}`,
      "    replicas: 2",
      "    health: { http: /health, interval: 500ms, timeout: 1s, retries: 2 }",
      "    stop_grace: 10s",
      "proxy:",
      `  hosts: [${HOST}]`,
      "  tls: off",
      "",
    ].join("\n");
  }
}

/** PM2 in cluster mode with 2 instances, shipped by `pm2 reload <app> --update-env`. */
export class Pm2Peer implements DeployPeer {
  readonly id = "pm2-reload";
  readonly label = "pm2 reload";
  readonly version: string;
  readonly host = undefined;
  private readonly cli: string;
  private readonly directory: string;
  private readonly home: string;
  private stopping = false;

  constructor(
    private readonly context: PeerContext,
    readonly port: number,
  ) {
    const packageDirectory = join(context.root, "node_modules", "pm2");
    this.cli = join(packageDirectory, "bin", "pm2");
    this.version = readPackageVersion(join(packageDirectory, "package.json"));
    this.directory = mkdtempSync(join(tmpdir(), "pm2-deploy-bench-"));
    this.home = join(this.directory, "home");
  }

  async start(version: string): Promise<void> {
    await this.pm2(["start", this.context.appPath, "--name", PM2_APP, "-i", "2", "--", `--bench-run=${this.context.marker}`], version, 120_000);
    await waitForVersion(this.port, undefined, version, 60_000);
  }

  async deploy(version: string): Promise<StepTiming[]> {
    return [await timed("pm2 reload", () => this.pm2(["reload", PM2_APP, "--update-env"], version, 120_000))];
  }

  async stop(): Promise<string[]> {
    this.stopping = true;
    const problems: string[] = [];
    try {
      await this.execute(["kill"], "stopped", 60_000);
    } catch (error) {
      problems.push(`pm2 kill: ${(error as Error).message.split("\n")[0]}`);
    }
    return [...problems, ...(await sweep(this.context.marker, this.label)), ...removeDirectory(this.directory, this.label)];
  }

  private pm2(args: readonly string[], version: string, timeoutMs: number): Promise<TimedLine[]> {
    if (this.stopping) return Promise.reject(new Error("the peer is being stopped"));
    return this.execute(args, version, timeoutMs);
  }

  private execute(args: readonly string[], version: string, timeoutMs: number): Promise<TimedLine[]> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PM2_HOME: this.home,
      PORT: String(this.port),
      APP_VERSION: version,
      BENCH_DEPLOY_RUN: this.context.marker,
      NO_COLOR: "1",
    };
    return runTimed(this.context.node, [this.cli, ...args], { cwd: this.directory, env, timeoutMs });
  }
}

/**
 * After a peer's own stop commands: SIGKILLs any process still carrying this run's marker (in its
 * command line or environment), i.e. only processes this benchmark started, and reports them.
 */
async function sweep(marker: string, label: string): Promise<string[]> {
  const deadline = performance.now() + 5_000;
  let ours = findMarked(marker);
  while (ours.length > 0 && performance.now() < deadline) {
    await sleep(100);
    ours = findMarked(marker).filter(isAlive);
  }
  for (const pid of ours) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return ours.length > 0 ? [`${label}: ${ours.length} process(es) still running 5 s after stop (pids ${ours.join(", ")}): sent SIGKILL`] : [];
}

function findMarked(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    for (const file of ["cmdline", "environ"]) {
      try {
        if (readFileSync(`/proc/${pid}/${file}`, "utf8").includes(marker)) {
          if (isAlive(pid)) pids.push(pid);
          break;
        }
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return pids;
}

function removeDirectory(directory: string, label: string): string[] {
  try {
    rmSync(directory, { recursive: true, force: true });
    return [];
  } catch (error) {
    return [`${label}: could not remove ${directory}: ${(error as Error).message}`];
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
