// Exponential backoff that never gives up. PM2 stops an app for good after 16 quick restarts,
// systemd after 5 starts in 10 s and supervisord's FATAL is permanent; a server left down at 3 a.m.
// is worse than one that keeps retrying slowly, so berth caps the delay instead of giving up.

export const FIRST_RESTART_DELAY_MS = 0;
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_MAX_MS = 30_000;
/** A replica that stayed up this long is considered stable: its next crash restarts at once. */
export const STABLE_UPTIME_MS = 10_000;
/** This many quick exits in a row is reported as a crash loop. */
export const CRASH_LOOP_THRESHOLD = 3;

export interface RestartTracker {
  /** Quick exits in a row (each with less than the stable uptime). */
  consecutiveQuickExits: number;
}

export function recordExit(tracker: RestartTracker, uptimeMs: number, stableUptimeMs = STABLE_UPTIME_MS): void {
  tracker.consecutiveQuickExits = uptimeMs >= stableUptimeMs ? 0 : tracker.consecutiveQuickExits + 1;
}

export function restartDelayMs(tracker: RestartTracker): number {
  if (tracker.consecutiveQuickExits <= 1) return FIRST_RESTART_DELAY_MS;
  const exponent = tracker.consecutiveQuickExits - 2;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** exponent);
}

export function isCrashLooping(tracker: RestartTracker): boolean {
  return tracker.consecutiveQuickExits >= CRASH_LOOP_THRESHOLD;
}

export function shouldRestart(policy: "always" | "on-failure" | "no", exitCode: number | null): boolean {
  if (policy === "always") return true;
  if (policy === "on-failure") return exitCode !== 0;
  return false;
}
