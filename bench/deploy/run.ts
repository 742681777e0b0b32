// Entry point of `npm run bench:deploy`: failed requests and deploy time under continuous load for
// `berth deploy`, a stop-then-start restart (`berth down` + `berth up -d`) and `pm2 reload` (cluster, 2).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startLoad, type LoadCounters } from "./load.js";
import { BerthPeer, Pm2Peer, waitForVersion, type DeployPeer, type PeerContext, type StepTiming } from "./peers.js";
import { freePort, gitCommit, portIsFree, readBenchOptions, repositoryRoot, sleep, startWatchdog } from "../supervisor/system.js";

interface Options {
  deploys: number;
  clients: number;
  settleMs: number;
  json: boolean;
  help?: boolean;
}

const USAGE = `usage: node dist/bench/deploy/run.js [--deploys N] [--clients N] [--settle-ms MS] [--json]

  --deploys N     deploys per peer, each switching the version (default 3; BENCH_DEPLOYS)
  --clients N     keep-alive HTTP clients looping GET / during the deploys (default 4; BENCH_CLIENTS)
  --settle-ms MS  load-only pause before, between and after deploys (default 1000; BENCH_SETTLE_MS)
  --json          print the results as JSON on stdout (progress still goes to stderr)`;

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const options: Options = {
    deploys: integer("BENCH_DEPLOYS", env.BENCH_DEPLOYS ?? "3", 1, 20),
    clients: integer("BENCH_CLIENTS", env.BENCH_CLIENTS ?? "4", 1, 64),
    settleMs: integer("BENCH_SETTLE_MS", env.BENCH_SETTLE_MS ?? "1000", 0, 30_000),
    json: false,
  };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === "--deploys") options.deploys = integer(flag, value(), 1, 20);
    else if (flag === "--clients") options.clients = integer(flag, value(), 1, 64);
    else if (flag === "--settle-ms") options.settleMs = integer(flag, value(), 0, 30_000);
    else if (flag === "--json") options.json = true;
    else if (flag === "--help" || flag === "-h") options.help = true;
    else throw new Error(`unknown argument ${flag}`);
  }
  return options;
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return value;
}

interface DeployResult {
  from: string;
  to: string;
  /** Command start → the command(s) returned and 3 fresh requests in a row answered the new version. */
  deployMs: number;
  /** The peer's own command(s) alone. */
  commandMs: number;
  steps: { command: string; ms: number; output: { ms: number; line: string }[] }[];
  requests: number;
  failures: number;
  /** First → last failed request during this deploy (ms; 0 with one failure, null with none). */
  errorWindowMs: number | null;
  switched: boolean;
}

interface PeerResult {
  id: string;
  label: string;
  tool: string;
  requests: number;
  failures: number;
  failureKinds: Record<string, number>;
  versions: Record<string, number>;
  deploys: DeployResult[];
  error?: string;
}

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const WAIT_FOR_VERSION_MS = 60_000;

async function benchPeer(peer: DeployPeer, options: Options, deadline: number): Promise<PeerResult> {
  const result: PeerResult = { id: peer.id, label: peer.label, tool: peer.id === "pm2-reload" ? `pm2 ${peer.version}` : `berth ${peer.version}`, requests: 0, failures: 0, failureKinds: {}, versions: {}, deploys: [] };
  progress(`${peer.label}: starting v1`);
  await peer.start("v1");
  const load = startLoad({ port: peer.port, host: peer.host, clients: options.clients, deadline });
  try {
    await sleep(options.settleMs);
    for (let index = 1; index <= options.deploys; index += 1) {
      const from = `v${index}`;
      const to = `v${index + 1}`;
      const before = load.snapshot();
      load.resetWindow();
      const started = performance.now();
      const steps: StepTiming[] = await peer.deploy(to);
      const commandMs = performance.now() - started;
      let switched = true;
      try {
        await waitForVersion(peer.port, peer.host, to, Math.min(WAIT_FOR_VERSION_MS, deadline - performance.now()));
      } catch (error) {
        switched = false;
        progress(`${peer.label}: ${(error as Error).message}`);
      }
      const deployMs = performance.now() - started;
      const after = load.snapshot();
      const deploy: DeployResult = {
        from,
        to,
        deployMs,
        commandMs,
        steps: steps.map((step) => ({ command: step.command, ms: step.ms, output: step.output })),
        requests: after.requests - before.requests,
        failures: after.failures - before.failures,
        errorWindowMs: after.firstFailureAt !== null && after.lastFailureAt !== null ? after.lastFailureAt - after.firstFailureAt : null,
        switched,
      };
      result.deploys.push(deploy);
      progress(`${peer.label}: ${from} → ${to} in ${seconds(deployMs)} (command ${seconds(commandMs)}), ${deploy.failures} failed of ${deploy.requests}${switched ? "" : ", VERSION DID NOT SWITCH"}`);
      if (!switched) break;
      await sleep(options.settleMs);
    }
  } finally {
    const counters: LoadCounters = await load.stop();
    result.requests = counters.requests;
    result.failures = counters.failures;
    result.failureKinds = Object.fromEntries(counters.kinds);
    result.versions = Object.fromEntries(counters.versions);
  }
  return result;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The longest first-to-last-failure span of any deploy, or "-" when nothing failed. */
function windowText(deploys: DeployResult[]): string {
  const windows = deploys.flatMap((deploy) => (deploy.errorWindowMs === null ? [] : [deploy.errorWindowMs]));
  return windows.length ? seconds(Math.max(...windows)) : "-";
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function formatResults(results: PeerResult[], meta: Record<string, unknown>): string {
  const header = ["peer", "deploys", "requests", "failed", "failed %", "error window max", "deploy time median (min–max)", "command median", "switched"];
  const rows = results.map((peer) => {
    const times = peer.deploys.map((deploy) => deploy.deployMs);
    const commands = peer.deploys.map((deploy) => deploy.commandMs);
    const switched = peer.deploys.filter((deploy) => deploy.switched).length;
    return [
      peer.label,
      String(peer.deploys.length),
      String(peer.requests),
      String(peer.failures),
      peer.requests ? `${((100 * peer.failures) / peer.requests).toFixed(2)}%` : "-",
      windowText(peer.deploys),
      times.length ? `${seconds(median(times))} (${seconds(Math.min(...times))}–${seconds(Math.max(...times))})` : "-",
      commands.length ? seconds(median(commands)) : "-",
      `${switched}/${peer.deploys.length}${peer.error ? " (error)" : ""}`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  const out: string[] = [];
  out.push(`bench/deploy — ${Object.entries(meta).map(([key, value]) => `${key}: ${String(value)}`).join(", ")}`);
  out.push("");
  out.push(line(header));
  out.push(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) out.push(line(row));
  out.push("");
  const short: Record<string, string> = { "berth-deploy": "berth", "stop-then-start": "stop-then-start", "pm2-reload": "pm2 reload" };
  out.push(`failed requests: ${results.map((peer) => `${peer.label} ${peer.failures}`).join(", ")}`);
  out.push(`deploy time: ${results.map((peer) => `${short[peer.id] ?? peer.label} ${peer.deploys.length ? `${(median(peer.deploys.map((deploy) => deploy.deployMs)) / 1000).toFixed(1)} s` : "-"}`).join(", ")}`);
  out.push("");
  out.push("deploy time: command start → the command(s) returned and 3 fresh requests in a row answered the new version.");
  out.push("error window: first → last failed request within one deploy. A failing request returns at once and its client");
  out.push("retries after 5 ms, so the failed count grows with the length of the outage; the window is the outage itself.");
  out.push("requests: (a) and (b) go through berth's proxy, (c) straight to PM2's cluster port, so the totals are not comparable.");
  out.push("");
  out.push("per deploy:");
  for (const peer of results) {
    for (const deploy of peer.deploys) {
      const steps = deploy.steps.map((step) => `${step.command} ${seconds(step.ms)}`).join(" + ");
      out.push(`  ${peer.label.padEnd(16)} ${deploy.from}→${deploy.to}  ${seconds(deploy.deployMs).padStart(7)}  [${steps}]  failed ${deploy.failures}/${deploy.requests}${deploy.errorWindowMs === null ? "" : ` over ${seconds(deploy.errorWindowMs)}`}${deploy.switched ? "" : "  NOT SWITCHED"}`);
    }
    const kinds = Object.entries(peer.failureKinds).sort((a, b) => b[1] - a[1]);
    if (kinds.length) out.push(`  ${peer.label} failures by kind: ${kinds.map(([kind, count]) => `${kind} ×${count}`).join(", ")}`);
    if (peer.error) out.push(`  ${peer.label} error: ${peer.error}`);
  }
  const berthDeploy = results.find((peer) => peer.id === "berth-deploy")?.deploys.at(-1)?.steps[0];
  if (berthDeploy && berthDeploy.output.length) {
    out.push("");
    out.push("last `berth deploy` output, ms after the command started:");
    for (const entry of berthDeploy.output.slice(0, 40)) out.push(`  ${String(Math.round(entry.ms)).padStart(6)}  ${entry.line}`);
  }
  return out.join("\n");
}

async function main(): Promise<number> {
  const options = readBenchOptions(parseOptions, USAGE);
  if (typeof options === "number") return options;
  const root = repositoryRoot();
  const appPath = join(root, "bench", "deploy", "app.mjs");
  if (!existsSync(appPath)) throw new Error(`${appPath} is missing`);
  if (!existsSync(join(root, "node_modules", "pm2", "bin", "pm2"))) throw new Error("PM2 is not installed in node_modules: run npm ci");
  const context: PeerContext = { root, appPath, node: process.execPath, marker: `bench-deploy-${process.pid}-${randomBytes(6).toString("hex")}` };

  const peers: DeployPeer[] = [];
  let cleanup: Promise<void> | null = null;
  const stopAll = (): Promise<void> => {
    cleanup ??= (async () => {
      for (const peer of [...peers].reverse()) {
        for (const problem of await peer.stop()) progress(`cleanup: ${problem}`);
      }
    })();
    return cleanup;
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    progress(`${signal}: cleaning up`);
    void stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const budgetMs = 3 * (90_000 + options.deploys * (WAIT_FOR_VERSION_MS + 2 * options.settleMs));
  const deadline = performance.now() + budgetMs;
  const watchdog = startWatchdog(budgetMs, progress, stopAll);
  const startedAt = Date.now();
  progress(`${options.deploys} deploys per peer, ${options.clients} keep-alive clients, about ${Math.round(30 + options.deploys * 3 * (3 + (2 * options.settleMs) / 1000))} s`);
  try {
    const ports: number[] = [];
    while (ports.length < 4) {
      const port = await freePort();
      if (!ports.includes(port) && (await portIsFree(port))) ports.push(port);
    }
    const results: PeerResult[] = [];
    const make: (() => DeployPeer)[] = [
      () => new BerthPeer("berth-deploy", context, ports[0]!, ports[1]!),
      () => new BerthPeer("stop-then-start", context, ports[2]!, ports[3]!),
      () => new Pm2Peer(context, ports[0]!),
    ];
    for (const create of make) {
      const peer = create();
      peers.push(peer);
      try {
        results.push(await benchPeer(peer, options, deadline));
      } catch (error) {
        if (interrupted) throw error;
        progress(`${peer.label} failed: ${(error as Error).message}`);
        results.push({ id: peer.id, label: peer.label, tool: peer.version, requests: 0, failures: 0, failureKinds: {}, versions: {}, deploys: [], error: (error as Error).message.split("\n")[0] });
      }
      // One peer at a time: stop each before the next starts, so they never compete for the CPU.
      for (const problem of await peer.stop()) progress(`cleanup: ${problem}`);
      peers.splice(peers.indexOf(peer), 1);
    }
    const berthVersion = results.find((peer) => peer.id === "berth-deploy")?.tool ?? "berth";
    const pm2Version = results.find((peer) => peer.id === "pm2-reload")?.tool ?? "pm2";
    const meta = {
      deploys: options.deploys,
      clients: options.clients,
      node: process.version,
      berth: `${berthVersion.replace(/^berth /, "")} (${gitCommit(root) ?? "no git"})`,
      pm2: pm2Version.replace(/^pm2 /, ""),
      duration: seconds(Date.now() - startedAt),
    };
    process.stdout.write(options.json ? `${JSON.stringify({ meta, results }, null, 2)}\n` : `\n${formatResults(results, meta)}\n`);
    return results.some((peer) => peer.error || peer.deploys.some((deploy) => !deploy.switched)) ? 1 : 0;
  } catch (error) {
    if (!interrupted) progress(`failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
}

process.exitCode = await main().catch((error: unknown) => {
  progress(error instanceof Error ? error.message : String(error));
  return 1;
});
