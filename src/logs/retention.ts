import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { LogPolicy } from "../config/types.js";

// What a stack's log directory may hold beyond each file's own `keep`: rotated files no older than
// `max_age`, and all files together within `max_total`. Run by every writer after it rotates (the
// daemon for replica, release and job logs, the proxy for the access log) and by the supervisor's
// housekeeping, so it holds whoever writes.

const GENERATION = /^(.+)\.([1-9]\d*)(\.gz)?$/;

interface LogDirectoryFile {
  path: string;
  size: number;
  modifiedMs: number;
  rotated: boolean;
}

/** Deletes rotated generations past `max_age`, then the oldest ones until the directory fits `max_total`. */
export function enforceRetention(logDir: string, policy: LogPolicy, now = Date.now()): void {
  let files = listLogDirectory(logDir);
  if (policy.maxAgeMs) {
    for (const file of files) if (file.rotated && now - file.modifiedMs > policy.maxAgeMs) remove(file);
    files = files.filter((file) => !file.rotated || now - file.modifiedMs <= policy.maxAgeMs!);
  }
  if (!policy.maxTotalBytes) return;
  // A current file may grow to max_size before it rotates, so it counts at that size from the start:
  // the cap then holds between rotations too, not only right after one.
  let total = files.reduce((sum, file) => sum + (file.rotated ? file.size : Math.max(file.size, policy.maxSizeBytes)), 0);
  const oldestFirst = files.filter((file) => file.rotated).sort((a, b) => a.modifiedMs - b.modifiedMs);
  for (const file of oldestFirst) {
    if (total <= policy.maxTotalBytes) return;
    remove(file);
    total -= file.size;
  }
}

/** The bytes the log directory's files take now (rotated and current), for tests and `berth doctor`. */
export function logDirectoryBytes(logDir: string): number {
  return listLogDirectory(logDir).reduce((sum, file) => sum + file.size, 0);
}

function listLogDirectory(logDir: string): LogDirectoryFile[] {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return [];
  }
  const files: LogDirectoryFile[] = [];
  for (const name of names) {
    const rotated = GENERATION.test(name);
    // Lock files and half-written copies are not logs; the follow holds (.follow) are counted apart.
    if (name.startsWith(".") || (!rotated && !name.endsWith(".log"))) continue;
    try {
      const stats = statSync(join(logDir, name));
      if (!stats.isFile()) continue;
      files.push({ path: join(logDir, name), size: stats.size, modifiedMs: stats.mtimeMs, rotated });
    } catch {
      // rotated away meanwhile
    }
  }
  return files;
}

function remove(file: LogDirectoryFile): void {
  rmSync(file.path, { force: true });
}
