// berth's front proxy, driven through its CLI (node bin/berth.js) with a private BERTH_HOME. Its
// stack's only service is the bench upstream itself, on the fixed port the other proxies use too.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, isRecord, readCommandLine, readPackageVersion, runCommand, type CommandResult } from "../../supervisor/system.js";
import { readProxyRecord } from "../../../src/proxy/proxy-control.js";
import { stopProxyProcess } from "../../../src/proxy/proxy-process.js";
import { processTree, waitForBody, waitForPort } from "../processes.js";
import { errorMessage, SITE_HOST, type BenchContext, type Peer } from "./peer.js";

const STACK = "bench-proxy";
const SERVICE = "upstream";
const WORKER_ENTRY = "worker-entry.js";

export class BerthPeer implements Peer {
  readonly name = "berth";
  readonly version: string;
  private readonly directory: string;
  private readonly home: string;
  private readonly stackFile: string;
  private daemonPid: number | null = null;
  private upstreamPid: number | null = null;
  /** Every process we saw, with its command line, so clean-up never hits a recycled pid. */
  private readonly seen = new Map<number, string>();

  constructor(
    private readonly context: BenchContext,
    readonly port: number,
    private readonly httpsPort: number,
  ) {
    this.version = readPackageVersion(join(context.root, "package.json"));
    this.directory = join(context.directory, "berth");
    this.home = join(this.directory, "home");
    this.stackFile = join(this.directory, "berth.yml");
  }

  async start(): Promise<void> {
    mkdirSync(this.directory, { recursive: true });
    writeFileSync(this.stackFile, stackFile(this.context));
    await this.berth(["up", "-d"], 120_000);
    await this.findProcesses();
    await waitForPort(this.context.upstream.port, 20_000);
    // The table reaches the workers once the replica runs: wait until berth routes to it.
    await waitForBody(this.port, "/", SITE_HOST, this.context.upstream.body, 30_000);
    const workers = this.workerPids().length;
    if (workers !== this.context.workers) throw new Error(`berth runs ${workers} proxy workers, expected ${this.context.workers}`);
  }

  /** The proxy process, its workers and the daemon (idle during the runs, but it is berth too). */
  pids(): number[] {
    const proxyPid = readProxyRecord(this.home)?.pid;
    return this.daemonPid === null ? [] : [this.daemonPid, ...(proxyPid ? [proxyPid] : []), ...this.workerPids()];
  }

  /** The upstream berth supervises: the replica and, for nginx, its worker. */
  upstreamPids(): number[] {
    return this.upstreamPid === null ? [] : processTree(this.upstreamPid);
  }

  /** The proxy runs as its own process tree (it outlives the daemon), recorded in $BERTH_HOME/proxy.json. */
  workerPids(): number[] {
    const proxyPid = readProxyRecord(this.home)?.pid;
    if (!proxyPid) return [];
    return processTree(proxyPid).filter((pid) => (readCommandLine(pid) ?? "").includes(WORKER_ENTRY));
  }

  async stop(): Promise<string[]> {
    const problems: string[] = [];
    this.remember();
    for (const args of [["down"], ["daemon", "stop", "--all"]]) {
      try {
        await this.berth(args, 60_000);
      } catch (error) {
        // A stack that never came up (start failed) has nothing to take down.
        if (args[0] === "down" && /is not up/.test(errorMessage(error))) continue;
        problems.push(`berth ${args.join(" ")}: ${errorMessage(error)}`);
      }
    }
    // The proxy outlives the daemon by design: stop it through its socket.
    const proxy = readProxyRecord(this.home);
    if (proxy) await stopProxyProcess(this.home, proxy);
    for (const [pid, commandLine] of this.seen) {
      if (!isAlive(pid) || readCommandLine(pid) !== commandLine) continue;
      problems.push(`berth: pid ${pid} (${commandLine.slice(0, 80)}) still running after berth down / daemon stop: sent SIGKILL`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    return problems;
  }

  private async findProcesses(): Promise<void> {
    const status: unknown = JSON.parse((await this.berth(["daemon", "status", "--json"])).stdout);
    if (!isRecord(status) || typeof status.pid !== "number") throw new Error(`berth daemon status --json has no pid: ${JSON.stringify(status)}`);
    this.daemonPid = status.pid;
    const deadline = performance.now() + 20_000;
    while (performance.now() < deadline) {
      const rows: unknown = JSON.parse((await this.berth(["ps", "--json"])).stdout);
      const row = Array.isArray(rows) ? rows.find((candidate) => isRecord(candidate) && candidate.service === SERVICE) : undefined;
      if (isRecord(row) && typeof row.pid === "number") {
        this.upstreamPid = row.pid;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (this.upstreamPid === null) throw new Error(`berth ps --json never showed a running ${SERVICE} replica`);
    this.remember();
  }

  private remember(): void {
    for (const pid of [...this.pids(), ...this.upstreamPids()]) {
      const commandLine = readCommandLine(pid);
      if (commandLine) this.seen.set(pid, commandLine);
    }
  }

  private berth(args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BERTH_HOME: this.home,
      NO_COLOR: "1",
      BERTH_PROXY_ADDRESS: "127.0.0.1",
      BERTH_HTTP_PORT: String(this.port),
      BERTH_HTTPS_PORT: String(this.httpsPort),
      BERTH_PROXY_WORKERS: String(this.context.workers),
    };
    delete env.PORT;
    return runCommand(this.context.node, [join(this.context.root, "bin", "berth.js"), "-f", this.stackFile, ...args], {
      cwd: this.directory,
      env,
      timeoutMs,
    });
  }
}

/** Plain HTTP (`tls: off`, so no redirect), one host, the static mount, and the upstream as the service. */
function stackFile(context: BenchContext): string {
  return [
    `name: ${STACK}`,
    "services:",
    `  ${SERVICE}:`,
    `    command: ${JSON.stringify(context.upstream.shellCommand)}`,
    `    port: ${context.upstream.port}`,
    "    replicas: 1",
    "    restart: always",
    "    stop_grace: 5s",
    "proxy:",
    `  hosts: [${SITE_HOST}]`,
    `  static: { /static/: { dir: ${JSON.stringify(context.staticDir)}, allow_outside: true } }`,
    "  tls: off",
    "",
  ].join("\n");
}
