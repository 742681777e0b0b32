import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AccessRecord } from "../proxy/access-log.js";
import { berthHome, stackPaths } from "../util/paths.js";

// The proxy's requests/s, error rate and latency percentiles for one stack over the last hour, read
// from the tail of its access log (src/proxy/access-log.ts: one JSON line per request).

export const TRAFFIC_WINDOW_MS = 60 * 60_000;
/** Past this, older lines of the hour are not read: the figures then cover a shorter, stated span. */
const MAX_TAIL_BYTES = 16 * 1024 * 1024;

export type Traffic =
  | { known: true; requests: number; spanSeconds: number; requestsPerSecond: number; errorRate: number; p50Ms: number | null; p99Ms: number | null; truncated: boolean; shorterThanWindow: boolean }
  | { known: false; reason: string };

/** Where the proxy writes the stack's access log (src/proxy/table.ts). */
export function accessLogPath(stack: string): string {
  return join(stackPaths(stack, berthHome()).logs, "access.log");
}

export async function readTraffic(accessLogPath: string, now = Date.now()): Promise<Traffic> {
  let size: number;
  try {
    size = (await stat(accessLogPath)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { known: false, reason: "no access log yet (no request reached the proxy, or the stack has no proxy)" };
    return { known: false, reason: `the access log cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  const start = Math.max(0, size - MAX_TAIL_BYTES);
  const file = await open(accessLogPath, "r");
  let text: string;
  try {
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
    text = buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await file.close();
  }
  const lines = text.split("\n");
  // A read that starts mid-file starts mid-line; the last line may be half-written.
  if (start > 0) lines.shift();
  return summarise(parseRecords(lines), now, start > 0);
}

export function summarise(records: Pick<AccessRecord, "time" | "status" | "durationMs">[], now: number, tailOnly: boolean): Traffic {
  const since = now - TRAFFIC_WINDOW_MS;
  const recent = records.filter((record) => Date.parse(record.time) >= since);
  // When the log (or the tail read of it) does not reach back an hour, the rate is over the span it covers.
  const firstAt = records.length > 0 ? Date.parse(records[0]!.time) : now;
  const shorter = firstAt > since;
  const spanSeconds = Math.max(1, (now - (shorter ? firstAt : since)) / 1000);
  const durations = recent.map((record) => record.durationMs).sort((a, b) => a - b);
  return {
    known: true,
    requests: recent.length,
    spanSeconds,
    requestsPerSecond: recent.length / spanSeconds,
    errorRate: recent.length === 0 ? 0 : recent.filter((record) => record.status >= 500).length / recent.length,
    p50Ms: percentile(durations, 0.5),
    p99Ms: percentile(durations, 0.99),
    truncated: shorter && tailOnly,
    shorterThanWindow: shorter,
  };
}

function percentile(sorted: number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

function parseRecords(lines: string[]): AccessRecord[] {
  const records: AccessRecord[] = [];
  for (const line of lines) {
    if (!line) continue;
    try {
      const record = JSON.parse(line) as AccessRecord;
      if (typeof record.time === "string" && typeof record.status === "number" && typeof record.durationMs === "number") records.push(record);
    } catch {
      // a torn line
    }
  }
  return records;
}
