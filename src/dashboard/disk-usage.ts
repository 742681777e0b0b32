import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

// Disk used by a stack's data, logs and backups for the stacks page: a walk of the directory
// (like du, counting allocated blocks), bounded in entries and cached, so a huge data directory
// costs one bounded walk a minute at most.

const MAX_ENTRIES = 200_000;
const CACHE_MS = 60_000;

export type DiskUsage = { known: true; bytes: number; partial: boolean } | { known: false; reason: string };

const cache = new Map<string, { at: number; usage: DiskUsage }>();

export async function directoryUsage(path: string, now = Date.now()): Promise<DiskUsage> {
  const cached = cache.get(path);
  if (cached && now - cached.at < CACHE_MS) return cached.usage;
  const usage = await walk(path);
  cache.set(path, { at: now, usage });
  return usage;
}

async function walk(root: string): Promise<DiskUsage> {
  let bytes = 0;
  let entries = 0;
  const pending = [root];
  try {
    await lstat(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { known: true, bytes: 0, partial: false };
    return { known: false, reason: `cannot read ${root} (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  while (pending.length > 0) {
    const path = pending.pop()!;
    const info = await lstat(path).catch(() => null);
    if (!info) continue;
    bytes += info.blocks * 512;
    if (++entries >= MAX_ENTRIES) return { known: true, bytes, partial: true };
    if (info.isDirectory()) {
      const names = await readdir(path).catch(() => [] as string[]);
      for (const name of names) pending.push(join(path, name));
    }
  }
  return { known: true, bytes, partial: false };
}
