import { readFileSync } from "node:fs";
import { DURATION_PATTERN, durationToMs } from "../config/units.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./post-webhook.js";

/**
 * BERTH_ALERT_RETRY_DELAY=200ms shortens the wait between delivery attempts (tests, impatient
 * operators); the number of attempts and the doubling stay.
 */
export function alertRetryFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const delay = env.BERTH_ALERT_RETRY_DELAY;
  return delay && DURATION_PATTERN.test(delay) ? { ...DEFAULT_RETRY, firstDelayMs: durationToMs(delay) } : DEFAULT_RETRY;
}

/** The stack's generated secret values, for redaction when its supervisor is not running. */
export function readSecretValues(path: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return Object.values(parsed).filter((value): value is string => typeof value === "string");
  } catch {
    return [];
  }
}
