import { Cron } from "croner";
import { isRecord } from "../util/is-record.js";
import type { Problem } from "./diagnostics.js";
import { quoteShort } from "./shorten.js";
import { DURATION_PATTERN, durationToMs } from "./units.js";

/**
 * The shortest time allowed between automatic backups. Each backup dumps the whole database and
 * keeps `keep` copies: more often than this, dumps of a real database overlap, load the server
 * and rotate away every copy older than an hour or two, which defeats keeping backups at all.
 */
export const MIN_BACKUP_INTERVAL_MINUTES = 15;

/**
 * Lowers the minimum, for tests that must see several automatic backups and for tiny SQLite
 * stacks that really want them more often: e.g. BERTH_MIN_BACKUP_INTERVAL=1s.
 */
export const MIN_BACKUP_INTERVAL_VARIABLE = "BERTH_MIN_BACKUP_INTERVAL";

// Enough upcoming runs to see every gap of a schedule that repeats daily or more often.
const RUNS_SAMPLED = 48;

/** The minimum interval in milliseconds: the default, or the environment's override when valid. */
export function minimumBackupIntervalMs(env: NodeJS.ProcessEnv): number {
  const override = env[MIN_BACKUP_INTERVAL_VARIABLE];
  return override && DURATION_PATTERN.test(override) ? durationToMs(override) : MIN_BACKUP_INTERVAL_MINUTES * 60_000;
}

export type ScheduleVerdict =
  | { ok: true; shortestMs: number }
  | { ok: false; reason: "invalid" | "never" };

/** Whether a cron expression is valid and runs at all, and the shortest gap between its runs. */
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
  let shortestMs = Infinity;
  for (let index = 1; index < runs.length; index += 1) {
    shortestMs = Math.min(shortestMs, runs[index]!.getTime() - runs[index - 1]!.getTime());
  }
  return { ok: true, shortestMs };
}

/** For the schema: a schedule that parses but never runs gets its own message. */
export function explainBackupSchedule(input: unknown): { message: string; hint: string } | undefined {
  if (typeof input !== "string") return undefined;
  const verdict = judgeBackupSchedule(input);
  if (verdict.ok || verdict.reason !== "never") return undefined;
  return { message: `the schedule ${quoteShort(input)} never runs`, hint: 'check the day and month fields; write e.g. `schedule: "0 3 * * *"`' };
}

/** Automatic backups closer together than the minimum are refused. */
export function checkBackupInterval(raw: unknown, minimumMs: number): Problem[] {
  const schedule = isRecord(raw) && isRecord(raw.backup) ? raw.backup.schedule : undefined;
  if (typeof schedule !== "string") return [];
  const verdict = judgeBackupSchedule(schedule);
  if (!verdict.ok || verdict.shortestMs >= minimumMs) return [];
  return [
    {
      path: ["backup", "schedule"],
      message: `backups every ${describeMs(verdict.shortestMs)} are too frequent (at least ${describeMs(minimumMs)} apart)`,
      hint: `each backup dumps the whole database; write e.g. \`schedule: "0 * * * *"\` (hourly)`,
    },
  ];
}

function describeMs(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
