// Durations and sizes as people write them in berth.yml. The patterns are shared with the schema
// so validation and conversion can never disagree.

/** "500ms", "2s", "1m", "1h", "365d", or a combination such as "1m30s". */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/** "10MB", "512KB", "1GB", "300B" (units are binary: 1KB = 1024 bytes, as in logrotate). */
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|KB|K|KIB|MB|M|MIB|GB|G|GIB)?$/i;

const MILLISECONDS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const BYTES_PER_UNIT: Record<string, number> = {
  B: 1,
  K: 1024,
  KB: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
};

/** A duration string or a number of seconds, in milliseconds. Input must already be valid. */
export function durationToMs(value: string | number): number {
  if (typeof value === "number") return Math.round(value * 1000);
  let total = 0;
  for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(part[1]) * (MILLISECONDS_PER_UNIT[part[2] ?? "s"] ?? 1000);
  }
  return Math.round(total);
}

/** A size string or a number of bytes, in bytes. Input must already be valid. */
export function sizeToBytes(value: string | number): number {
  if (typeof value === "number") return Math.floor(value);
  const match = SIZE_PATTERN.exec(value.trim());
  if (!match) throw new Error(`not a size: ${value}`);
  const unit = (match[2] ?? "B").toUpperCase();
  return Math.floor(Number(match[1]) * (BYTES_PER_UNIT[unit] ?? 1));
}
