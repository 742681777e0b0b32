import { copyFileSync, renameSync, rmSync, truncateSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { AppLogFile } from "../config/operations-types.js";
import type { LogPolicy } from "../config/types.js";
import { compressNewestGeneration, statIfExists, takeLock } from "./compress-newest.js";
import { rotatedLogPath } from "./list.js";
import { enforceRetention } from "./retention.js";
import { shiftGenerations } from "./rotate.js";
import { periodIndex } from "./rotation-period.js";

// `logs.files`: files the app writes itself (a Django FileHandler, celery.log), which berth cannot
// rotate between two of its own writes. Looked at every APP_LOG_CHECK_INTERVAL_MS, so such a file
// may pass max_size by what the app writes in that time.
//  - with `service` and `signal`: renamed, then the service's main process is signalled to reopen
//    it (gunicorn: SIGUSR1); nothing is lost.
//  - without: copied to `.1`, then truncated in place (copytruncate). Lines the app writes between
//    the copy and the truncation are lost, and each rotation reads and writes the whole file again.

export const APP_LOG_CHECK_INTERVAL_MS = 5000;

export interface AppLogRotatorOptions {
  /** Asked at each look: a deploy may change berth.yml's `logs:`. */
  policy: () => LogPolicy;
  /** The live release's directory, which relative paths are read against; asked each time (deploys move it). */
  root: () => string;
  /** Sends `signal` to the main process of each replica of `service`. */
  signal: (service: string, signal: string) => void;
}

export class AppLogRotator {
  private timer: NodeJS.Timeout | null = null;
  /** When each file was first seen not empty since its last rotation, for `every`. */
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly options: AppLogRotatorOptions) {}

  /** Also applies the stack's retention (max_age) at each look, for log directories that went quiet. */
  start(logDir: string): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.checkAll();
      try {
        enforceRetention(logDir, this.options.policy());
      } catch {
        // looked at again next time
      }
    }, APP_LOG_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Rotates every file that is due; returns the paths rotated. */
  checkAll(now = Date.now()): string[] {
    const rotated: string[] = [];
    for (const file of this.options.policy().files ?? []) {
      const path = isAbsolute(file.path) ? file.path : join(this.options.root(), file.path);
      try {
        if (this.rotateIfDue(path, file, now)) rotated.push(path);
      } catch {
        // Not there yet, or not ours to touch: looked at again next time.
      }
    }
    return rotated;
  }

  private rotateIfDue(path: string, file: AppLogFile, now: number): boolean {
    const policy = this.options.policy();
    const stats = statIfExists(path);
    if (!stats || stats.size === 0) return false;
    const since = this.startedAt.get(path) ?? now;
    this.startedAt.set(path, since);
    const newPeriod = policy.every ? periodIndex(policy.every, since) !== periodIndex(policy.every, now) : false;
    if (stats.size <= policy.maxSizeBytes && !newPeriod) return false;
    const lock = `${path}.rotating`;
    if (!takeLock(lock)) return false;
    try {
      if (file.reopen) {
        shiftGenerations(path, policy.keep);
        this.options.signal(file.reopen.service, file.reopen.signal);
      } else {
        const copy = `${path}.copying`;
        copyFileSync(path, copy);
        truncateSync(path, 0);
        shiftGenerations(path, policy.keep, false);
        renameSync(copy, rotatedLogPath(path, 1));
      }
    } finally {
      rmSync(lock, { force: true });
    }
    this.startedAt.delete(path);
    if (policy.compress) void compressNewestGeneration(path, lock);
    return true;
  }
}
