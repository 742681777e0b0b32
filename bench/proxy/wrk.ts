// Runs wrk and parses its text output (with --latency, for the percentiles).
import { execFile } from "node:child_process";
import { reapedChildrenCpuSeconds } from "./processes.js";

export interface WrkSettings {
  threads: number;
  connections: number;
  durationSeconds: number;
}

export interface LatencyMs {
  avg: number;
  stdev: number;
  max: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  transferBytesPerSecond: number;
  latencyMs: LatencyMs;
  /** Responses with a status outside 200–399. */
  non2xx3xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
}

export interface WrkRun {
  result: WrkResult;
  /** CPU seconds wrk itself used (user + system, all its threads). */
  wrkCpuSeconds: number;
  output: string;
}

/** One wrk run against 127.0.0.1 with a Host header; rejects if wrk fails or prints nothing usable. */
export function runWrk(url: string, host: string, settings: WrkSettings, latency = true): Promise<WrkRun> {
  const args = [
    `-t${settings.threads}`,
    `-c${settings.connections}`,
    `-d${settings.durationSeconds}s`,
    "--timeout",
    "5s",
    ...(latency ? ["--latency"] : []),
    "-H",
    `Host: ${host}`,
    url,
  ];
  // wrk is the only child that exits while it runs, so the growth of our reaped children's CPU
  // time (cutime + cstime of /proc/self/stat) is wrk's own.
  const cpuBefore = reapedChildrenCpuSeconds();
  return new Promise((resolve, reject) => {
    execFile(
      "wrk",
      args,
      { timeout: (settings.durationSeconds + 30) * 1000, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`wrk ${args.join(" ")} failed: ${error.message.split("\n")[0]}\n${stderr}${stdout}`.trim()));
          return;
        }
        try {
          resolve({ result: parseWrk(stdout), wrkCpuSeconds: reapedChildrenCpuSeconds() - cpuBefore, output: stdout });
        } catch (parseError) {
          reject(parseError);
        }
      },
    );
  });
}

/**
 * Parses wrk 4's report:
 *
 *     Thread Stats   Avg      Stdev     Max   +/- Stdev
 *       Latency     1.23ms  456.00us  12.34ms   78.90%
 *     Latency Distribution
 *        50%    1.10ms
 *        99%    3.20ms
 *     245678 requests in 10.00s, 34.56MB read
 *     Non-2xx or 3xx responses: 12
 *     Socket errors: connect 0, read 0, write 0, timeout 0
 *     Requests/sec:  24567.80
 *     Transfer/sec:      3.46MB
 */
export function parseWrk(text: string): WrkResult {
  const latencyLine = /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(text);
  const totals = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(text);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const transfer = /^Transfer\/sec:\s+([\d.]+\w+)/m.exec(text);
  if (!latencyLine || !totals || !rate || !transfer) throw new Error(`unexpected wrk output:\n${text}`);
  const percentile = (p: number): number => {
    const match = new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+(\\S+)`, "m").exec(text);
    return match?.[1] === undefined ? Number.NaN : durationMs(match[1]);
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requests: Number(totals[1]),
    seconds: durationMs(totals[2]!) / 1000,
    requestsPerSecond: Number(rate[1]),
    transferBytesPerSecond: bytes(transfer[1]!),
    latencyMs: {
      avg: durationMs(latencyLine[1]!),
      stdev: durationMs(latencyLine[2]!),
      max: durationMs(latencyLine[3]!),
      p50: percentile(50),
      p75: percentile(75),
      p90: percentile(90),
      p99: percentile(99),
    },
    non2xx3xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: {
      connect: Number(errors?.[1] ?? 0),
      read: Number(errors?.[2] ?? 0),
      write: Number(errors?.[3] ?? 0),
      timeout: Number(errors?.[4] ?? 0),
    },
  };
}

const TIME_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** "456.00us", "1.23ms", "10.00s", "1.50m" → milliseconds. */
export function durationMs(text: string): number {
  const match = /^([\d.]+)([a-z]+)$/.exec(text);
  const factor = match ? TIME_UNITS_MS[match[2]!] : undefined;
  if (!match || factor === undefined) throw new Error(`unexpected wrk duration ${JSON.stringify(text)}`);
  return Number(match[1]) * factor;
}

/** "3.46MB" → bytes (wrk's units are powers of 1024). */
export function bytes(text: string): number {
  const match = /^([\d.]+)([A-Z]+)$/.exec(text);
  const factor = match ? SIZE_UNITS[match[2]!] : undefined;
  if (!match || factor === undefined) throw new Error(`unexpected wrk size ${JSON.stringify(text)}`);
  return Number(match[1]) * factor;
}
