import { closeSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { rotatedLogPath } from "./list.js";
import { compressToTemporary } from "./rotate.js";

/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 10_000;

/**
 * Gzips generation `.1` of `path` in the background. Gives up, keeping it plain (within the same
 * bound), if another rotation moved it meanwhile. `lock` is the rotation lock of the file, when
 * several processes rotate it.
 */
export async function compressNewestGeneration(path: string, lock: string): Promise<void> {
  const source = rotatedLogPath(path, 1);
  const inode = inodeAt(source);
  try {
    const temporary = await compressToTemporary(path, source);
    if (temporary === null) return;
    if (inodeAt(source) !== inode || !takeLock(lock)) {
      rmSync(temporary, { force: true });
      return;
    }
    try {
      if (inodeAt(source) === inode) {
        renameSync(temporary, rotatedLogPath(path, 1, true));
        rmSync(source, { force: true });
      } else rmSync(temporary, { force: true });
    } finally {
      rmSync(lock, { force: true });
    }
  } catch {
    // Compression is a saving, not a duty.
  }
}

/**
 * An exclusive lock file; false when another process holds it (a stale one is removed for next
 * time). Any other failure (no directory, a full or read-only disk) is thrown, not taken for "held".
 */
export function takeLock(lock: string): boolean {
  try {
    closeSync(openSync(lock, "wx", 0o600));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const stats = statIfExists(lock);
    if (stats && Date.now() - stats.mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
    return false;
  }
}

export function statIfExists(path: string): { ino: number; size: number; mtimeMs: number } | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

export function inodeAt(path: string): number | null {
  return statIfExists(path)?.ino ?? null;
}
