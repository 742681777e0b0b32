// Exponential backoff that never gives up. PM2 stops an app for good after 16 quick restarts,
// systemd after 5 starts in 10 s and supervisord's FATAL is permanent; a server left down at 3 a.m.
// is worse than one that keeps retrying slowly, so berth caps the delay instead of giving up.
//
// Only readiness forgives: a replica that runs for an hour without ever passing its health check is
// still failing, so uptime alone never resets the count (it once did, and such a replica was
// restarted every ~16 s forever).

export const FIRST_RESTART_DELAY_MS = 0;
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_MAX_MS = 30_000;
/** A replica ready (healthy, or running without a health check) this long has its failures forgiven. */
export const STABLE_UPTIME_MS = 10_000;
/**
 * A replica without a health check is running (ready) once it has stayed up this long, like
 * supervisord's startsecs: a command that exits at once is a failed start, not a running one.
 */
export const START_UPTIME_MS = 1_000;
/** This many quick failures in a row is reported as a crash loop. */
export const CRASH_LOOP_THRESHOLD = 3;

export interface RestartTracker {
  /** Failures in a row since the replica was last stable: exits, failed spawns, health restarts. */
  consecutiveQuickExits: number;
}

/**
 * Counts one failure. `readyForMs` is how long the replica had been ready when it failed (0 if it
 * never was, and for a health-check restart, which is a failure whatever came before).
 */
export function recordExit(tracker: RestartTracker, readyForMs: number, stableUptimeMs = STABLE_UPTIME_MS): void {
  tracker.consecutiveQuickExits = readyForMs >= stableUptimeMs ? 1 : tracker.consecutiveQuickExits + 1;
}

/** The replica has been ready for the stable period: its history no longer counts. */
export function markStable(tracker: RestartTracker): void {
  tracker.consecutiveQuickExits = 0;
}

export function restartDelayMs(tracker: RestartTracker): number {
  if (tracker.consecutiveQuickExits <= 1) return FIRST_RESTART_DELAY_MS;
  const exponent = tracker.consecutiveQuickExits - 2;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** exponent);
}

export function isCrashLooping(tracker: RestartTracker): boolean {
  return tracker.consecutiveQuickExits >= CRASH_LOOP_THRESHOLD;
}

/** `exitCode` is null when the process was killed by a signal or its status is unknown (adopted). */
export function shouldRestart(policy: "always" | "on-failure" | "no", exitCode: number | null): boolean {
  if (policy === "always") return true;
  if (policy === "on-failure") return exitCode !== 0;
  return false;
}
