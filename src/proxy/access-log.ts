import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { LogPolicy } from "../config/types.js";
import { holdForFollowers } from "../logs/follow-holds.js";
import { compressNewestGeneration, statIfExists, takeLock } from "../logs/compress-newest.js";
import { enforceRetention } from "../logs/retention.js";
import { periodIndex } from "../logs/rotation-period.js";
import { shiftGenerations } from "../logs/rotate.js";

export interface AccessRecord {
  time: string;
  requestId: string;
  client: string;
  method: string;
  host: string;
  path: string;
  status: number;
  bytes: number;
  durationMs: number;
  upstream: string | null;
  userAgent: string | null;
}

/** Lines are gathered for this long, then written in one go: one write per request was a measurable cost. */
const FLUSH_INTERVAL_MS = 50;
/** Until the daemon sends the stack's policy (an older table): the berth.yml defaults. */
const DEFAULT_POLICY: LogPolicy = { maxSizeBytes: 10 * 1024 * 1024, keep: 5, compress: true };

interface OpenLog {
  fd: number;
  inode: number;
  /** When the file's first line was written (its `logs.every` period); null while it is empty. */
  startedAt: number | null;
}

/**
 * One JSON line per request, per stack, rotated under the stack's `logs:` policy. Several worker
 * processes append to the same file: each batch of whole lines is a single write to a file opened
 * with O_APPEND, which the kernel keeps whole. The worker whose batch would take the file past
 * max_size rotates it, under a lock file so two workers never shift generations at once; the others
 * notice the new inode at their next batch and reopen.
 */
export class AccessLogs {
  private readonly files = new Map<string, OpenLog>();
  private readonly pending = new Map<string, { lines: string[]; policy: LogPolicy }>();
  private timer: NodeJS.Timeout | null = null;

  write(path: string, record: AccessRecord, policy: LogPolicy = DEFAULT_POLICY): void {
    let batch = this.pending.get(path);
    if (!batch) {
      batch = { lines: [], policy };
      this.pending.set(path, batch);
    }
    batch.lines.push(JSON.stringify(record) + "\n");
    this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  flush(): void {
    this.timer = null;
    for (const [path, { lines, policy }] of this.pending) {
      try {
        // A late flush (a busy worker) may hold more than a whole file: one write per max_size at most.
        for (const chunk of chunksOf(lines, policy.maxSizeBytes)) this.append(path, chunk, policy);
      } catch {
        // A full disk loses access lines, never requests.
        this.forget(path);
      }
    }
    this.pending.clear();
  }

  /** Writes what is pending and closes the files (a worker stopping). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    for (const path of [...this.files.keys()]) this.forget(path);
  }

  private append(path: string, bytes: Buffer, policy: LogPolicy): void {
    let file = this.current(path);
    const now = Date.now();
    const size = fstatSync(file.fd).size;
    const newPeriod = policy.every !== undefined && policy.every !== null && file.startedAt !== null && periodIndex(policy.every, file.startedAt) !== periodIndex(policy.every, now);
    if (size > 0 && (newPeriod || size + bytes.length > policy.maxSizeBytes)) {
      rotateUnderLock(path, file.inode, (current) => newPeriod || current.size + bytes.length > policy.maxSizeBytes, policy);
      file = this.current(path);
    }
    let written = 0;
    while (written < bytes.length) written += writeSync(file.fd, bytes, written, bytes.length - written);
    file.startedAt ??= now;
  }

  /** The open file at `path`, reopened when another worker rotated it away. */
  private current(path: string): OpenLog {
    const open = this.files.get(path);
    if (open && inodeAt(path) === open.inode) return open;
    this.forget(path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, "a+", 0o600);
    const file = { fd, inode: fstatSync(fd).ino, startedAt: firstLineTime(fd) };
    this.files.set(path, file);
    return file;
  }

  private forget(path: string): void {
    const open = this.files.get(path);
    if (open) closeSync(open.fd);
    this.files.delete(path);
  }
}

/** Whole lines joined into buffers of at most `maxBytes` each (a longer single line stands alone). */
export function chunksOf(lines: string[], maxBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.from(line);
    if (current.length > 0 && size + bytes.length > maxBytes) {
      chunks.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(bytes);
    size += bytes.length;
  }
  if (current.length > 0) chunks.push(Buffer.concat(current));
  return chunks;
}

/** The time of the file's first record, read back when a worker (re)opens a file another one started. */
function firstLineTime(fd: number): number | null {
  const head = Buffer.alloc(64);
  const read = readSync(fd, head, 0, head.length, 0);
  const match = /"time":"([^"]+)"/.exec(head.subarray(0, read).toString("utf8"));
  const at = match ? Date.parse(match[1]!) : Number.NaN;
  return Number.isNaN(at) ? (read > 0 ? Date.now() : null) : at;
}

function rotateUnderLock(path: string, inode: number, stillDue: (current: { size: number }) => boolean, policy: LogPolicy): void {
  const lock = `${path}.rotating`;
  if (!takeLock(lock)) return;
  try {
    // Another worker may have rotated between our look and the lock.
    const stats = statIfExists(path);
    if (!stats || stats.ino !== inode || !stillDue(stats)) return;
    holdForFollowers(path, policy.maxSizeBytes);
    shiftGenerations(path, policy.keep);
  } finally {
    rmSync(lock, { force: true });
  }
  if (policy.compress) void compressNewestGeneration(path, lock);
  enforceRetention(dirname(path), policy);
}

function inodeAt(path: string): number | null {
  return statIfExists(path)?.ino ?? null;
}
