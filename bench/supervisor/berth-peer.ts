// Drives berth through its CLI (node bin/berth.js) with a private BERTH_HOME.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitForServing } from "./measure.js";
import { CommandGate, errorMessage, sweepLeftovers, type Peer, type PeerContext } from "./peers.js";
import { isRecord, readPackageVersion, runCommand, type CommandResult } from "./system.js";

const STACK = "bench-supervisor";
const SERVICE = "app";

export class BerthPeer implements Peer {
  readonly name = "berth";
  readonly daemonLabel = "berth daemon";
  readonly version: string;
  private readonly directory: string;
  private readonly home: string;
  private readonly stackFile: string;
  private knownDaemonPid: number | null = null;
  private readonly gate = new CommandGate();

  constructor(
    private readonly context: PeerContext,
    readonly port: number,
  ) {
    this.version = readPackageVersion(join(context.root, "package.json"));
    this.directory = mkdtempSync(join(tmpdir(), "berth-bench-"));
    this.home = join(this.directory, "home");
    this.stackFile = join(this.directory, "berth.yml");
  }

  async start(): Promise<void> {
    writeFileSync(this.stackFile, stackFile(this.context, this.port));
    await this.berth(["up", "-d"], 120_000);
    await waitForServing(this.port, 30_000);
    await this.daemonPid();
  }

  async appPid(): Promise<number> {
    const rows: unknown = JSON.parse((await this.berth(["ps", "--json"])).stdout);
    const row = Array.isArray(rows) ? rows.find((candidate) => isRecord(candidate) && candidate.service === SERVICE && candidate.replica === 0) : undefined;
    if (!isRecord(row) || typeof row.pid !== "number") throw new Error(`berth ps --json shows no running ${SERVICE}.0: ${JSON.stringify(rows)}`);
    return row.pid;
  }

  async daemonPid(): Promise<number> {
    const status: unknown = JSON.parse((await this.berth(["daemon", "status", "--json"])).stdout);
    if (!isRecord(status) || typeof status.pid !== "number") throw new Error(`berth daemon status --json has no pid: ${JSON.stringify(status)}`);
    this.knownDaemonPid = status.pid;
    return status.pid;
  }

  async stop(): Promise<string[]> {
    await this.gate.close();
    const problems: string[] = [];
    for (const args of [["down"], ["daemon", "stop", "--all"]]) {
      try {
        await this.execute(args, 60_000);
      } catch (error) {
        problems.push(`berth ${args.join(" ")}: ${errorMessage(error)}`);
      }
    }
    const leftovers = await sweepLeftovers({
      peer: "berth",
      port: this.port,
      appPath: this.context.appPath,
      daemonPid: this.knownDaemonPid,
      daemonCommandLine: /daemon-entry\.js|berth/,
      directory: this.directory,
    });
    return [...problems, ...leftovers];
  }

  /** A CLI call while the benchmark runs: refused once stop() has begun. */
  private berth(args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    return this.gate.run(() => this.execute(args, timeoutMs));
  }

  private execute(args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, BERTH_HOME: this.home, NO_COLOR: "1" };
    delete env.PORT;
    return runCommand(this.context.node, [join(this.context.root, "bin", "berth.js"), "-f", this.stackFile, ...args], {
      cwd: this.directory,
      env,
      timeoutMs,
    });
  }
}

/** One service, one replica, on the fixed port (berth gives replica 0 exactly `port` as $PORT). */
function stackFile(context: PeerContext, port: number): string {
  const command = `exec ${shellQuote(context.node)} ${shellQuote(context.appPath)}`;
  return [
    `name: ${STACK}`,
    "services:",
    `  ${SERVICE}:`,
    `    command: ${JSON.stringify(command)}`,
    `    port: ${port}`,
    "    replicas: 1",
    "    restart: always",
    "    stop_grace: 5s",
    "",
  ].join("\n");
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
