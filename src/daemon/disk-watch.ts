import { diskSpace, type DiskSpace } from "../util/disk-space.js";

export const DISK_CHECK_INTERVAL_MS = 5_000;

/**
 * Tells each subject (a stack) once per episode that the filesystem holding `path` is low on space
 * (src/util/disk-space.ts): a stack that comes up while it is low is told at the next check, and
 * every one is told again after the space had recovered.
 */
export class DiskWatch {
  private readonly told = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    private readonly subjects: () => string[],
    private readonly onLow: (subject: string, space: DiskSpace) => void,
    private readonly read: (path: string) => DiskSpace | null = diskSpace,
  ) {}

  check(): void {
    const space = this.read(this.path);
    if (!space) return;
    if (!space.low) {
      this.told.clear();
      return;
    }
    for (const subject of this.subjects()) {
      if (this.told.has(subject)) continue;
      this.told.add(subject);
      this.onLow(subject, space);
    }
  }

  start(intervalMs = DISK_CHECK_INTERVAL_MS): this {
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
