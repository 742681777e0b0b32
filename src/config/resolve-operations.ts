import { DEFAULTS } from "./defaults.js";
import { ALERT_KINDS } from "./operations-schema.js";
import type { AlertPolicy, Job } from "./operations-types.js";
import type { BerthFile } from "./schema.js";
import type { LogPolicy } from "./types.js";
import { durationToMs, sizeToBytes } from "./units.js";

export function resolveLogs(entry: BerthFile["logs"]): LogPolicy {
  return {
    maxSizeBytes: sizeToBytes(entry?.max_size ?? DEFAULTS.logs.maxSize),
    keep: entry?.keep ?? DEFAULTS.logs.keep,
    compress: entry?.compress ?? DEFAULTS.logs.compress,
    maxAgeMs: entry?.max_age === undefined ? null : durationToMs(entry.max_age),
    every: entry?.every ?? null,
    maxTotalBytes: entry?.max_total === undefined ? null : sizeToBytes(entry.max_total),
    files: (entry?.files ?? []).map((file) =>
      typeof file === "string" ? { path: file, reopen: null } : { path: file.path, reopen: { service: file.service, signal: file.signal } },
    ),
  };
}

export function resolveJobs(entry: BerthFile["jobs"]): Job[] {
  return Object.entries(entry ?? {}).map(([name, job]) => ({
    name,
    schedule: job.schedule,
    command: job.command,
    timeoutMs: job.timeout === undefined ? null : durationToMs(job.timeout),
    overlap: job.overlap ?? "skip",
    timezone: job.timezone ?? "UTC",
  }));
}

export function resolveAlerts(entry: BerthFile["alerts"]): AlertPolicy | null {
  if (!entry) return null;
  return { webhook: entry.webhook, on: [...new Set(entry.on ?? ALERT_KINDS)] };
}
