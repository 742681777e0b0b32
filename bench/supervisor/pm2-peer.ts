// Drives PM2 (the npm package in node_modules) through its CLI with a private PM2_HOME.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitForServing } from "./measure.js";
import { CommandGate, errorMessage, sweepLeftovers, type Peer, type PeerContext } from "./peers.js";
import { isRecord, readPackageVersion, runCommand, type CommandResult } from "./system.js";

const APP_NAME = "bench-app";

export class Pm2Peer implements Peer {
  readonly name = "pm2";
  readonly daemonLabel = "PM2 God daemon";
  readonly version: string;
  private readonly cli: string;
  private readonly directory: string;
  private readonly home: string;
  private knownDaemonPid: number | null = null;
  private readonly gate = new CommandGate();

  constructor(
    private readonly context: PeerContext,
    readonly port: number,
  ) {
    const packageDirectory = join(context.root, "node_modules", "pm2");
    this.cli = join(packageDirectory, "bin", "pm2");
    if (!existsSync(this.cli)) throw new Error(`PM2 is not installed (${this.cli} is missing): run npm ci`);
    this.version = readPackageVersion(join(packageDirectory, "package.json"));
    this.directory = mkdtempSync(join(tmpdir(), "pm2-bench-"));
    this.home = join(this.directory, "home");
  }

  async start(): Promise<void> {
    // PM2's defaults (fork mode, autorestart, restart_delay 0, no exp backoff), as most people run it.
    await this.pm2(["start", this.context.appPath, "--name", APP_NAME, "--interpreter", this.context.node], 120_000);
    await waitForServing(this.port, 30_000);
    await this.daemonPid();
  }

  async appPid(): Promise<number> {
    const { stdout } = await this.pm2(["jlist"]);
    const list: unknown = JSON.parse(stdout.slice(Math.max(0, stdout.indexOf("["))));
    const app = Array.isArray(list) ? list.find((candidate) => isRecord(candidate) && candidate.name === APP_NAME) : undefined;
    if (!isRecord(app) || typeof app.pid !== "number" || app.pid <= 0) throw new Error(`pm2 jlist shows no running ${APP_NAME}`);
    return app.pid;
  }

  async daemonPid(): Promise<number> {
    const pid = Number(readFileSync(join(this.home, "pm2.pid"), "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${join(this.home, "pm2.pid")} holds no pid`);
    this.knownDaemonPid = pid;
    return pid;
  }

  async stop(): Promise<string[]> {
    await this.gate.close();
    const problems: string[] = [];
    try {
      await this.execute(["kill"], 60_000);
    } catch (error) {
      problems.push(`pm2 kill: ${errorMessage(error)}`);
    }
    const leftovers = await sweepLeftovers({
      peer: "pm2",
      port: this.port,
      appPath: this.context.appPath,
      daemonPid: this.knownDaemonPid,
      daemonCommandLine: /PM2/,
      directory: this.directory,
    });
    return [...problems, ...leftovers];
  }

  /** A CLI call while the benchmark runs: refused once stop() has begun. */
  private pm2(args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    return this.gate.run(() => this.execute(args, timeoutMs));
  }

  private execute(args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    return runCommand(this.context.node, [this.cli, ...args], {
      cwd: this.directory,
      env: { ...process.env, PM2_HOME: this.home, PORT: String(this.port), NO_COLOR: "1" },
      timeoutMs,
    });
  }
}
