// `logs.every`: a file that is not empty is rotated at the first line written in a new period.
// Periods are UTC days, or weeks starting Monday 00:00 UTC, so every process agrees on them.

export type RotationPeriod = "daily" | "weekly";

const DAY_MS = 86_400_000;

/** A number that changes exactly when a new period starts. */
export function periodIndex(period: RotationPeriod, at: Date | number): number {
  const days = Math.floor((typeof at === "number" ? at : at.getTime()) / DAY_MS);
  // 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday.
  return period === "daily" ? days : Math.floor((days + 3) / 7);
}
