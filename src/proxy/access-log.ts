import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { LogPolicy } from "../config/types.js";
import { holdForFollowers } from "../logs/follow-holds.js";
import { compressNewestGeneration, inodeAt, takeLock } from "../logs/compress-newest.js";
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
/** How long a stopping worker waits for another one's rotation before it writes past max_size rather than lose lines. */
const CLOSE_WAIT_MS = 2000;
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
 * processes append to the same file, each batch of whole lines in a single write, under a lock file
 * (one per flush, every 50 ms at most): the size check, the rotation when the batch would take the
 * file past max_size, and the write happen together, so no two workers fill the same room and no
 * batch lands in a file being rotated out. A worker that finds the lock held keeps its batch for its
 * next flush; the others notice a new inode at their next batch and reopen.
 */
export class AccessLogs {
  private readonly files = new Map<string, OpenLog>();
  private readonly pending = new Map<string, PendingLines>();
  private timer: NodeJS.Timeout | null = null;

  write(path: string, record: AccessRecord, policy: LogPolicy = DEFAULT_POLICY): void {
    let batch = this.pending.get(path);
    if (!batch) {
      batch = new PendingLines();
      this.pending.set(path, batch);
    }
    batch.policy = policy;
    batch.add(accessLine(record));
    this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  flush(): void {
    this.timer = null;
    for (const [path, batch] of this.pending) {
      if (batch.length === 0) continue;
      // A late flush (a busy worker) may hold more than a whole file: one write per max_size at most.
      const chunks = chunksOf(batch.bytes(), batch.policy.maxSizeBytes);
      let written = 0;
      try {
        for (const chunk of chunks) {
          // Another worker holds the lock: the rest waits for the next flush.
          if (!this.append(path, chunk, batch.policy)) break;
          written += chunk.length;
        }
      } catch {
        // A full disk loses access lines, never requests.
        this.forget(path);
        written = batch.length;
      }
      batch.dropWritten(written);
      if (batch.length > 0) this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
    }
  }

  private hasPending(): boolean {
    for (const batch of this.pending.values()) if (batch.length > 0) return true;
    return false;
  }

  /** Writes what is pending and closes the files (a worker stopping). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const deadline = Date.now() + CLOSE_WAIT_MS;
    this.flush();
    while (this.hasPending() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (this.timer) clearTimeout(this.timer);
      this.flush();
    }
    this.writeAnyway();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const path of [...this.files.keys()]) this.forget(path);
  }

  /** The lock held past CLOSE_WAIT_MS (a worker that died holding it): lines matter more than the bound. */
  private writeAnyway(): void {
    for (const [path, batch] of this.pending) {
      if (batch.length === 0) continue;
      try {
        const bytes = batch.bytes();
        const fd = this.current(path).fd;
        let written = 0;
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      } catch {
        this.forget(path);
      }
    }
    this.pending.clear();
  }

  /**
   * Checks the size, rotates if due and writes, all under the file's lock, so two workers never
   * both write into the room left below max_size. False, writing nothing, when another worker holds
   * the lock (the batch waits for the next flush).
   */
  private append(path: string, bytes: Buffer, policy: LogPolicy): boolean {
    if (!this.files.has(path)) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const lock = lockPath(path);
    if (!takeLock(lock)) return false;
    let rotated = false;
    try {
      let file = this.current(path);
      const now = Date.now();
      const size = fstatSync(file.fd).size;
      const newPeriod = policy.every !== undefined && policy.every !== null && file.startedAt !== null && periodIndex(policy.every, file.startedAt) !== periodIndex(policy.every, now);
      if (size > 0 && (newPeriod || size + bytes.length > policy.maxSizeBytes)) {
        holdForFollowers(path, policy.maxSizeBytes);
        shiftGenerations(path, policy.keep);
        rotated = true;
        file = this.current(path);
      }
      let written = 0;
      while (written < bytes.length) written += writeSync(file.fd, bytes, written, bytes.length - written);
      file.startedAt ??= now;
    } finally {
      rmSync(lock, { force: true });
    }
    if (rotated) {
      if (policy.compress) void compressNewestGeneration(path, lock);
      enforceRetention(dirname(path), policy);
    }
    return true;
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

/**
 * Lines waiting for the next flush, encoded into one growing buffer as they come: encoding a batch
 * kept as one long string at flush time cost more than the lines themselves (bench/proxy).
 */
class PendingLines {
  private buffer = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  length = 0;
  policy: LogPolicy = DEFAULT_POLICY;

  add(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length);
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /**
   * Forgets the first `count` bytes (written out). The buffer is kept for the next batch: a new one
   * per flush, hundreds of kilobytes under load, made V8 run full garbage collections (bench/proxy).
   */
  dropWritten(count: number): void {
    if (count < this.length) this.buffer.copyWithin(0, count, this.length);
    this.length -= Math.min(count, this.length);
    if (this.length === 0 && this.buffer.length > MAX_KEPT_BATCH_BYTES) this.buffer = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  }

  private reserve(extra: number): void {
    if (this.buffer.length - this.length >= extra) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

const INITIAL_BATCH_BYTES = 16 * 1024;
/** A batch buffer grown past this (a burst) is not kept once empty. */
const MAX_KEPT_BATCH_BYTES = 4 * 1024 * 1024;

/** `bytes` (whole lines) cut at line ends into pieces of at most `maxBytes` (a longer single line stands alone). */
export function chunksOf(bytes: Buffer, maxBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  while (bytes.length - start > maxBytes) {
    const lastNewline = bytes.lastIndexOf(NEWLINE, start + maxBytes - 1);
    const end = lastNewline >= start ? lastNewline + 1 : bytes.indexOf(NEWLINE, start + maxBytes) + 1 || bytes.length;
    chunks.push(bytes.subarray(start, end));
    start = end;
  }
  if (start < bytes.length) chunks.push(bytes.subarray(start));
  return chunks;
}

const NEWLINE = 0x0a;

/**
 * The record as one JSON line, written out by hand: JSON.stringify of the record was most of the
 * access log's cost per request (bench/proxy). The same keys in the same order, so readers parse
 * it as before. Strings from the client go through JSON.stringify only when they need escaping;
 * the proxy's own (request id, client and upstream addresses) and the method, which node's parser
 * allows only as a token, never do.
 */
export function accessLine(record: AccessRecord): string {
  return (
    `{"time":"${record.time}","requestId":"${record.requestId}","client":"${record.client}",` +
    `"method":"${record.method}","host":${jsonString(record.host)},"path":${jsonString(record.path)},` +
    `"status":${record.status},"bytes":${record.bytes},"durationMs":${record.durationMs},` +
    `"upstream":${record.upstream === null ? "null" : `"${record.upstream}"`},"userAgent":${record.userAgent === null ? "null" : jsonString(record.userAgent)}}\n`
  );
}

/** What JSON.stringify would escape in a string: quote, backslash, control characters, and surrogates (lone ones are escaped). */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(value: string): string {
  return NEEDS_ESCAPING.test(value) ? JSON.stringify(value) : `"${value}"`;
}

let isoMillisecond = -1;
let isoText = "";

/** The time now as an ISO string, made once per millisecond: a busy worker logs dozens of requests in one. */
export function isoNow(): string {
  const now = Date.now();
  if (now !== isoMillisecond) {
    isoMillisecond = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/** The time of the file's first record, read back when a worker (re)opens a file another one started. */
function firstLineTime(fd: number): number | null {
  const head = Buffer.alloc(64);
  const read = readSync(fd, head, 0, head.length, 0);
  const match = /"time":"([^"]+)"/.exec(head.subarray(0, read).toString("utf8"));
  const at = match ? Date.parse(match[1]!) : Number.NaN;
  return Number.isNaN(at) ? (read > 0 ? Date.now() : null) : at;
}

/** The file's lock: held to write a batch or rotate (and briefly by the gzip of generation 1). */
function lockPath(path: string): string {
  return `${path}.rotating`;
}
