import { diskSpace, type DiskSpace } from "../util/disk-space.js";

/** How often the daemon looks at the free space of the filesystem holding BERTH_HOME. */
export const DISK_CHECK_INTERVAL_MS = 60_000;

/**
 * Records `disk-low` for every running stack when the filesystem holding berth's data goes low (the
 * moment it crosses, not every minute it stays low), so alerts say it before logs and databases fail.
 */
export class DiskWatch {
  private timer: NodeJS.Timeout | null = null;
  private wasLow = false;

  constructor(
    private readonly path: string,
    private readonly stacks: () => string[],
    private readonly record: (stack: string, message: string) => void,
    private readonly read: (path: string) => DiskSpace | null = diskSpace,
  ) {}

  start(intervalMs = DISK_CHECK_INTERVAL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  check(): void {
    const space = this.read(this.path);
    if (!space) return;
    if (space.low && !this.wasLow) {
      const free = `${(space.freeBytes / 1024 ** 2).toFixed(0)} MB free of ${(space.totalBytes / 1024 ** 3).toFixed(1)} GB`;
      for (const stack of this.stacks()) this.record(stack, `disk almost full where berth keeps its data (${space.path}): ${free}; logs drop lines and databases stop when it is full`);
    }
    this.wasLow = space.low;
  }
}
