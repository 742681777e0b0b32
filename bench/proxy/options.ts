// Command-line flags of `npm run bench:proxy`, each with an environment variable.
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";

export type UpstreamKind = "nginx" | "node";
export type StaticPeerName = "nginx" | "caddy" | "berth";

export interface BenchOptions {
  /** Seconds of each measured wrk run. */
  durationSeconds: number;
  /** Seconds of the unmeasured wrk run just before each measured one. */
  warmupSeconds: number;
  threads: number;
  connections: number;
  /** Measured runs per peer and scenario; peers take turns going first. */
  rounds: number;
  /** berth's proxy workers, nginx's worker_processes and Caddy's GOMAXPROCS. */
  workers: number;
  upstream: UpstreamKind;
  /** Who serves the static files (nginx and berth by default; Caddy's file_server on request). */
  staticPeers: StaticPeerName[];
  /** Skip the static scenarios. */
  skipStatic: boolean;
  /** After the comparison, profile one berth proxy worker (node --cpu-prof) under the same load. */
  profile: boolean;
  json: boolean;
  help: boolean;
}

const DEFAULT_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

export const USAGE = `usage: npm run bench:proxy -- [options]
       node dist/bench/proxy/run.js [options]

wrk through nginx, Caddy and berth's proxy to the same upstream, and static files served by
nginx and berth, all on 127.0.0.1 over plain HTTP/1.1 keep-alive. Prints requests/s, p50/p99
latency, CPU per request and berth's ratio to each peer.

options (environment variable in brackets):
  --duration S       seconds per measured wrk run (default 10)                  [BENCH_DURATION]
  --warmup S         seconds of unmeasured wrk before each run (default 2; 0 off) [BENCH_WARMUP]
  --threads T        wrk threads (default 2)                                     [BENCH_THREADS]
  --connections C    wrk connections, kept alive (default 64)                    [BENCH_CONNECTIONS]
  --rounds R         measured runs per peer and scenario, alternating (default 3) [BENCH_ROUNDS]
  --workers N        berth proxy workers = nginx worker_processes = Caddy
                     GOMAXPROCS (default: CPUs, at most 4, here ${DEFAULT_WORKERS})              [BENCH_WORKERS]
  --upstream KIND    nginx (\`return 200\`, 1 worker; default) or node (one
                     node:http process)                                          [BENCH_UPSTREAM]
  --static-peers L   comma-separated: nginx,berth (default) and/or caddy         [BENCH_STATIC_PEERS]
  --no-static        only the proxied scenario                                   [BENCH_NO_STATIC=1]
  --profile          then profile one berth worker with node --cpu-prof and
                     print where its time goes                                   [BENCH_PROFILE=1]
  --json             print the results as JSON on stdout (progress stays on stderr) [BENCH_JSON=1]
  -h, --help         this text`;

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      threads: { type: "string" },
      connections: { type: "string" },
      rounds: { type: "string" },
      workers: { type: "string" },
      upstream: { type: "string" },
      "static-peers": { type: "string" },
      "no-static": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const threads = integer("--threads", values.threads ?? env.BENCH_THREADS, 2, 1, 64);
  const connections = integer("--connections", values.connections ?? env.BENCH_CONNECTIONS, 64, 1, 10_000);
  if (connections < threads) throw new Error(`--connections (${connections}) must be at least --threads (${threads})`);
  const upstream = values.upstream ?? env.BENCH_UPSTREAM ?? "nginx";
  if (upstream !== "nginx" && upstream !== "node") throw new Error(`--upstream must be nginx or node, got ${JSON.stringify(upstream)}`);
  return {
    durationSeconds: integer("--duration", values.duration ?? env.BENCH_DURATION, 10, 1, 600),
    warmupSeconds: integer("--warmup", values.warmup ?? env.BENCH_WARMUP, 2, 0, 60),
    threads,
    connections,
    rounds: integer("--rounds", values.rounds ?? env.BENCH_ROUNDS, 3, 1, 50),
    workers: integer("--workers", values.workers ?? env.BENCH_WORKERS, DEFAULT_WORKERS, 1, 4),
    upstream,
    staticPeers: staticPeers(values["static-peers"] ?? env.BENCH_STATIC_PEERS ?? "nginx,berth"),
    skipStatic: values["no-static"] === true || env.BENCH_NO_STATIC === "1",
    profile: values.profile === true || env.BENCH_PROFILE === "1",
    json: values.json === true || env.BENCH_JSON === "1",
    help: values.help === true,
  };
}

function staticPeers(raw: string): StaticPeerName[] {
  const names = raw.split(",").map((name) => name.trim()).filter(Boolean);
  const valid: StaticPeerName[] = ["nginx", "caddy", "berth"];
  for (const name of names) {
    if (!valid.includes(name as StaticPeerName)) throw new Error(`--static-peers: unknown peer ${JSON.stringify(name)} (use nginx, caddy, berth)`);
  }
  if (names.length === 0) throw new Error("--static-peers needs at least one peer");
  return valid.filter((name) => names.includes(name));
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
