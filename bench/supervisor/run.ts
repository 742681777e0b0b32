// Entry point of `npm run bench:supervisor`: berth vs PM2 on restart time after kill -9 and daemon memory.
import { join } from "node:path";
import { runBench } from "./bench.js";
import { BerthPeer } from "./berth-peer.js";
import { describeMachine, loadAverage } from "./machine.js";
import { parseOptions, USAGE, type BenchOptions } from "./options.js";
import { errorMessage, type Peer, type PeerContext } from "./peers.js";
import { Pm2Peer } from "./pm2-peer.js";
import { buildResults, formatResults } from "./report.js";
import { freePort, portIsFree, repositoryRoot } from "./system.js";
import { readBenchOptions, startWatchdog } from "./system.js";

const STARTUP_ALLOWANCE_MS = 180_000;
const PER_ROUND_ALLOWANCE_MS = 30_000;

async function main(): Promise<number> {
  const options = readBenchOptions(parseOptions, USAGE);
  if (typeof options === "number") return options;

  const root = repositoryRoot();
  const context: PeerContext = { root, appPath: join(root, "bench", "supervisor", "app.mjs"), node: process.execPath };
  const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const [berthPort, pm2Port] = await choosePorts(options.port);

  const peers: Peer[] = [];
  let cleanup: Promise<void> | null = null;
  const stopAll = (): Promise<void> => {
    cleanup ??= (async () => {
      for (const peer of [...peers].reverse()) {
        progress(`stopping ${peer.name}`);
        for (const problem of await peer.stop()) progress(`cleanup: ${problem}`);
      }
    })();
    return cleanup;
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    progress(`${signal}: stopping both supervisors`);
    void stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const budgetMs = STARTUP_ALLOWANCE_MS + options.rounds * (options.stableMs + PER_ROUND_ALLOWANCE_MS);
  const deadline = performance.now() + budgetMs;
  const watchdog = startWatchdog(budgetMs, progress, stopAll);

  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const expectedSeconds = 15 + options.rounds * (options.stableMs / 1000 + 1 + options.burst * 0.3);
  progress(`${options.rounds} rounds, about ${Math.round(expectedSeconds)} s (node ${process.version}, ${context.appPath})`);
  try {
    peers.push(new BerthPeer(context, berthPort));
    peers.push(new Pm2Peer(context, pm2Port));
    const runs = await runBench(peers, options, deadline, progress);
    const loadAtEnd = loadAverage();
    const results = buildResults({
      machine: describeMachine({ berth: peers[0]?.version ?? "unknown", pm2: peers[1]?.version ?? "unknown" }, root),
      loadAverage1m: { start: loadAtStart, end: loadAtEnd },
      settings: {
        rounds: options.rounds,
        burst: options.burst,
        stableMs: options.stableMs,
        pollMs: options.pollMs,
        app: "bench/supervisor/app.mjs",
        startedAt: startedAt.toISOString(),
        durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
      },
      runs,
    });
    await stopAll();
    process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : `\n${formatResults(results)}\n`);
    return 0;
  } catch (error) {
    if (!interrupted) progress(`failed: ${errorMessage(error)}`);
    return 1;
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
}

/** berth's port and PM2's: `--port P` gives P and P + 1; otherwise two free ports. Both must be free. */
async function choosePorts(requested: number | null): Promise<[number, number]> {
  const ports: [number, number] = requested === null ? [await freePort(), await freePort()] : [requested, requested + 1];
  while (requested === null && ports[0] === ports[1]) ports[1] = await freePort();
  for (const port of ports) {
    if (!(await portIsFree(port))) throw new Error(`127.0.0.1:${port} is in use: pick another with --port`);
  }
  return ports;
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`[bench] ${errorMessage(error)}\n`);
  return 1;
});
