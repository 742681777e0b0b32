// Command-line flags, each with an environment variable for `npm run bench:supervisor`.
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Kills after a stable run, per peer. */
  rounds: number;
  /** Extra kills right after each stable kill, each as soon as the previous restart serves. */
  burst: number;
  /** Uptime before each stable kill: more than berth's 10 s stable-uptime threshold. */
  stableMs: number;
  pollMs: number;
  /** berth's port; PM2's is the next one. null: two free ports chosen at start. */
  port: number | null;
  json: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench:supervisor -- [options]
       node dist/bench/supervisor/run.js [options]

Compares berth with PM2 on the same small Node HTTP app: time from kill -9 of the app to the
first HTTP 200 from its replacement, and the supervisor daemon's RSS.

options (environment variable in brackets):
  --rounds N      kills after a stable run, per supervisor (default 20)       [BENCH_ROUNDS]
  --burst K       extra kills right after each of those, each as soon as the
                  app serves again (default 3; 0 turns them off)              [BENCH_BURST]
  --stable-ms MS  app uptime before each stable kill (default 10500; berth
                  resets its restart backoff after 10 s of uptime)            [BENCH_STABLE_MS]
  --poll-ms MS    pause between HTTP polls after a kill (default 2)           [BENCH_POLL_MS]
  --port P        berth's app listens on P, PM2's on P+1 (default: free ports) [BENCH_PORT]
  --json          print the results as JSON on stdout (progress stays on stderr)
  -h, --help      this text`;

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: "string" },
      burst: { type: "string" },
      "stable-ms": { type: "string" },
      "poll-ms": { type: "string" },
      port: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = integer("--port", values.port ?? env.BENCH_PORT, null, 1, 65534);
  return {
    rounds: integer("--rounds", values.rounds ?? env.BENCH_ROUNDS, 20, 1, 10_000) ?? 20,
    burst: integer("--burst", values.burst ?? env.BENCH_BURST, 3, 0, 20) ?? 3,
    stableMs: integer("--stable-ms", values["stable-ms"] ?? env.BENCH_STABLE_MS, 10_500, 0, 600_000) ?? 10_500,
    pollMs: integer("--poll-ms", values["poll-ms"] ?? env.BENCH_POLL_MS, 2, 0, 1_000) ?? 2,
    port,
    json: values.json === true || env.BENCH_JSON === "1",
    help: values.help === true,
  };
}

function integer(flag: string, raw: string | undefined, fallback: number | null, min: number, max: number): number | null {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
