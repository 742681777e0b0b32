import { DURATION_PATTERN, durationToMs } from "../config/units.js";

/**
 * `--since 10m`, `--until 2026-01-05T03:00:00Z`: a duration before `now`, or an absolute date
 * (anything Date.parse reads, ISO 8601 first of all). Null when it is neither.
 */
export function parseTimeBound(value: string, now: Date = new Date()): Date | null {
  const trimmed = value.trim();
  if (DURATION_PATTERN.test(trimmed)) return new Date(now.getTime() - durationToMs(trimmed));
  if (!/\d{4}-\d{2}-\d{2}/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : new Date(at);
}
