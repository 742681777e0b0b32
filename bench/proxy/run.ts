// Entry point of `npm run bench:proxy`: wrk through nginx, Caddy and berth's proxy to one upstream,
// and static files from nginx and berth, all on 127.0.0.1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repositoryRoot } from "../supervisor/system.js";
import { runScenarios, type Scenario, type Target } from "./bench.js";
import { writeStaticFiles } from "./fixtures.js";
import { describeMachine, loadAverage, missingTools, nproc } from "./machine.js";
import { parseOptions, USAGE, type BenchOptions } from "./options.js";
import { BerthPeer } from "./peers/berth.js";
import { CaddyPeer } from "./peers/caddy.js";
import { NginxPeer } from "./peers/nginx.js";
import { errorMessage, type BenchContext, type Peer, type PeerName } from "./peers/peer.js";
import { prepareUpstream } from "./peers/upstream.js";
import { distinctFreePorts } from "./processes.js";
import { profileBerthWorker, type ProfileSummary } from "./profile.js";
import { formatResults, goalsFrom, summarize, type Results } from "./report.js";
import { readBenchOptions, startWatchdog } from "../supervisor/system.js";

const STARTUP_ALLOWANCE_MS = 180_000;
/** Per wrk run on top of warm-up and duration: pauses, checks, CPU bookkeeping. */
const PER_RUN_ALLOWANCE_MS = 5_000;

async function main(): Promise<number> {
  const options = readBenchOptions(parseOptions, USAGE);
  if (typeof options === "number") return options;
  const missing = missingTools();
  if (missing.length > 0) {
    process.stderr.write(`missing: ${missing.join(", ")} (Debian: apt-get install wrk nginx caddy)\n`);
    return 1;
  }

  const root = repositoryRoot();
  const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const directory = mkdtempSync(join(tmpdir(), "berth-bench-proxy-"));
  const [upstreamPort, nginxPort, caddyPort, berthHttpPort, berthHttpsPort] = await distinctFreePorts(5);
  const context: BenchContext = {
    root,
    node: process.execPath,
    directory,
    staticDir: join(directory, "public"),
    workers: options.workers,
    upstream: prepareUpstream(options.upstream, directory, upstreamPort!, { root, node: process.execPath }),
    caddyStatic: options.staticPeers.includes("caddy"),
    progress,
  };
  const staticFiles = writeStaticFiles(context.staticDir);

  const peers: Peer[] = [];
  let cleanup: Promise<void> | null = null;
  const stopAll = (): Promise<void> => {
    cleanup ??= (async () => {
      for (const peer of [...peers].reverse()) {
        progress(`stopping ${peer.name}`);
        for (const problem of await peer.stop()) progress(`cleanup: ${problem}`);
      }
      rmSync(directory, { recursive: true, force: true });
    })();
    return cleanup;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping every server`);
    void stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const staticScenarios = options.skipStatic ? 0 : staticFiles.length;
  const runs = options.rounds * (4 + staticScenarios * options.staticPeers.length) + (options.profile ? 1 + staticScenarios : 0);
  const budgetMs = STARTUP_ALLOWANCE_MS + runs * ((options.durationSeconds + options.warmupSeconds) * 1000 + PER_RUN_ALLOWANCE_MS);
  const deadline = performance.now() + budgetMs;
  const watchdog = startWatchdog(budgetMs, progress, stopAll);

  const startedAt = new Date();
  const loadAtStart = loadAverage();
  progress(`${runs} wrk runs of ${options.warmupSeconds} + ${options.durationSeconds} s, about ${Math.round((runs * (options.durationSeconds + options.warmupSeconds + 1)) / 60)} min`);
  try {
    // berth first: it starts the upstream the other two forward to.
    const berth = new BerthPeer(context, berthHttpPort!, berthHttpsPort!);
    const byName = new Map<PeerName, Peer>();
    for (const peer of [berth, new NginxPeer(context, nginxPort!), new CaddyPeer(context, caddyPort!)]) {
      progress(`starting ${peer.name} on 127.0.0.1:${peer.port}`);
      peers.push(peer);
      await peer.start();
      byName.set(peer.name, peer);
    }
    const upstreamPids = () => berth.upstreamPids();
    const targetOf = (name: PeerName): Target => {
      const peer = byName.get(name)!;
      return { label: name, reference: false, port: peer.port, proxyPids: () => peer.pids(), upstreamPids };
    };
    const direct: Target = { label: "upstream (direct)", reference: true, port: context.upstream.port, proxyPids: () => [], upstreamPids };

    const scenarios: Scenario[] = [
      { id: "proxied", title: "proxied", path: "/", expected: context.upstream.body, targets: [direct, targetOf("nginx"), targetOf("caddy"), targetOf("berth")] },
    ];
    if (!options.skipStatic) {
      for (const [index, file] of staticFiles.entries()) {
        scenarios.push({
          id: index === 0 ? "static-4k" : "static-100k",
          title: `static ${file.name}`,
          path: `/static/${file.name}`,
          expected: file.contents,
          targets: options.staticPeers.map(targetOf),
        });
      }
    }
    const wrk = { threads: options.threads, connections: options.connections, durationSeconds: options.durationSeconds };
    const samples = await runScenarios(scenarios, { rounds: options.rounds, warmupSeconds: options.warmupSeconds, wrk }, deadline, progress);

    let profiles: ProfileSummary[] = [];
    if (options.profile) {
      const targets = scenarios.map((scenario) => ({ scenario: `${scenario.id} (GET ${scenario.path})`, directoryName: scenario.id, path: scenario.path, expected: scenario.expected }));
      profiles = await profileBerthWorker(context, targets, wrk, options.warmupSeconds, progress);
    }

    const loadAtEnd = loadAverage();
    const cpus = nproc();
    const { summaries, ratios, warnings } = summarize(scenarios, samples, cpus);
    if (loadAtStart > cpus * 0.25) {
      warnings.push(`the 1-minute load average was ${loadAtStart.toFixed(2)} at start on ${cpus} CPUs: other work shared the machine, numbers are noisier`);
    }
    const results: Results = {
      machine: describeMachine(berth.version, root),
      loadAverage1m: { start: loadAtStart, end: loadAtEnd },
      settings: {
        wrk: `wrk -t${options.threads} -c${options.connections} -d${options.durationSeconds}s --latency`,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        rounds: options.rounds,
        workers: options.workers,
        upstream: `${context.upstream.description} on 127.0.0.1:${context.upstream.port}, run by berth as its stack's service`,
        staticNote:
          "identity (wrk sends no Accept-Encoding; nginx gzip off, berth serves its br/gzip variants only when asked), " +
          "nginx sendfile on, both send ETag and Last-Modified",
        startedAt: startedAt.toISOString(),
        durationTotalSeconds: (Date.now() - startedAt.getTime()) / 1000,
      },
      scenarios: summaries,
      ratios,
      goals: goalsFrom(ratios),
      warnings,
      profiles,
    };
    await stopAll();
    process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : `\n${formatResults(results)}\n`);
    return 0;
  } catch (error) {
    progress(`failed: ${errorMessage(error)}`);
    return 1;
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`[bench] ${errorMessage(error)}\n`);
  return 1;
});
