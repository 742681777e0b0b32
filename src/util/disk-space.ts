import { statfsSync } from "node:fs";

export interface DiskSpace {
  path: string;
  freeBytes: number;
  totalBytes: number;
  /** Below LOW_DISK_FRACTION of the filesystem or LOW_DISK_BYTES, whichever is larger. */
  low: boolean;
}

const LOW_DISK_FRACTION = 0.05;
const LOW_DISK_BYTES = 512 * 1024 ** 2;

/** Space left for an unprivileged writer on the filesystem holding `path`; null when it cannot be read. */
export function diskSpace(path: string): DiskSpace | null {
  try {
    const stats = statfsSync(path);
    const freeBytes = stats.bavail * stats.bsize;
    const totalBytes = stats.blocks * stats.bsize;
    return { path, freeBytes, totalBytes, low: freeBytes < Math.max(LOW_DISK_BYTES, totalBytes * LOW_DISK_FRACTION) };
  } catch {
    return null;
  }
}
