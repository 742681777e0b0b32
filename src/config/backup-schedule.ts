import { quoteShort } from "./shorten.js";
import { Cron } from "croner";

/**
 * The shortest time allowed between automatic backups. Each backup dumps the whole database and
 * keeps `keep` copies: more often than this, dumps of a real database overlap, load the server
 * and rotate away every copy older than an hour or two, which defeats keeping backups at all.
 */
export const MIN_BACKUP_INTERVAL_MINUTES = 15;

// Enough upcoming runs to see every gap of a schedule that repeats daily or more often.
const RUNS_SAMPLED = 48;

export type ScheduleVerdict =
  | { ok: true }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "never" }
  | { ok: false; reason: "too-often"; everySeconds: number };

export function judgeBackupSchedule(expression: string): ScheduleVerdict {
  let runs: Date[];
  try {
    const cron = new Cron(expression, { paused: true });
    runs = cron.nextRuns(RUNS_SAMPLED);
    cron.stop();
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (runs.length === 0) return { ok: false, reason: "never" };
  let shortest = Infinity;
  for (let index = 1; index < runs.length; index += 1) {
    shortest = Math.min(shortest, runs[index]!.getTime() - runs[index - 1]!.getTime());
  }
  if (shortest < MIN_BACKUP_INTERVAL_MINUTES * 60_000) return { ok: false, reason: "too-often", everySeconds: Math.round(shortest / 1000) };
  return { ok: true };
}

export function explainBackupSchedule(input: unknown): { message: string; hint: string } | undefined {
  if (typeof input !== "string") return undefined;
  const verdict = judgeBackupSchedule(input);
  if (verdict.ok || verdict.reason === "invalid") return undefined;
  if (verdict.reason === "never") {
    return { message: `the schedule ${quoteShort(input)} never runs`, hint: 'check the day and month fields; write e.g. `schedule: "0 3 * * *"`' };
  }
  return {
    message: `backups every ${describeSeconds(verdict.everySeconds)} are too frequent (at least ${MIN_BACKUP_INTERVAL_MINUTES} minutes apart)`,
    hint: `each backup dumps the whole database; write e.g. \`schedule: "0 * * * *"\` (hourly) or \`"*/${MIN_BACKUP_INTERVAL_MINUTES} * * * *"\``,
  };
}

function describeSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
