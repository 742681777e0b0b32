import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import type { LogPolicy } from "../config/types.js";
import { errorMessage } from "../errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { holdForFollowers } from "./follow-holds.js";
import { LineSplitter } from "./line-splitter.js";
import { rotatedLogPath } from "./list.js";
import { periodIndex } from "./rotation-period.js";
import { formatLogLine, type OutputStream } from "./log-line.js";
import { compressToTemporary, removeCompressionLeftovers, shiftGenerations, uncompressedGenerations } from "./rotate.js";

// The daemon owns every replica's pipes, so it can rotate by renaming between two writes instead of
// pm2-logrotate's copy-then-truncate, which loses whatever the app writes during the copy.

interface CompressionJob {
  /** The generation the job will compress; each rotation moves the file one generation older. */
  index: number;
  /** Set when a rotation failed halfway and generation numbers can no longer be trusted. */
  cancelled: boolean;
}

interface Attachment {
  detach(): void;
}

export class RotatingLogFile {
  /** -1 while no file is open, so a stale descriptor number is never written to. */
  private fd: number;
  private size: number;
  private closed = false;
  private readonly compressionJobs = new Set<CompressionJob>();
  private compressionChain: Promise<void> = Promise.resolve();
  private readonly attachments = new Set<Attachment>();
  /** Lines lost to failed writes since the last one that succeeded. */
  private dropped = 0;
  private dropReason = "";

  /** The `logs.every` period the open file's lines belong to; null while it is empty. */
  private period: number | null = null;

  constructor(
    readonly path: string,
    private readonly policy: LogPolicy,
    private readonly logger: Logger = silentLogger,
    /** Called after each rotation: the stack's retention (max_age, max_total) runs there. */
    private readonly afterRotate: () => void = () => {},
  ) {
    this.fd = -1;
    this.size = 0;
    try {
      this.reopen();
    } catch (error) {
      // Opened again at the next line; until then lines are counted as dropped.
      this.logger.warn("could not open log file", { file: path, error: errorMessage(error) });
    }
    removeCompressionLeftovers(path);
    if (policy.compress) {
      for (const index of uncompressedGenerations(path, policy.keep)) this.enqueueCompression(index);
    }
  }

  /**
   * Appends exactly one line, synchronously, so lines from concurrent sources never interleave.
   * After close() lines are dropped: exit and health handlers may still fire during shutdown, and
   * throwing from them would take the daemon down.
   */
  writeLine(stream: OutputStream, text: string, at: Date = new Date()): void {
    if (this.closed) return;
    try {
      if (this.dropped > 0) this.append(formatLogLine("err", `[berth] ${this.dropped} log lines were dropped: ${this.dropReason}`, at), at);
      this.dropped = 0;
      this.append(formatLogLine(stream, text, at), at);
    } catch (error) {
      // A full disk (ENOSPC, EDQUOT) must not stop the app or the daemon: drop lines, count them, say so once.
      if (this.dropped === 0) this.logger.warn("log writes failing; dropping lines until they succeed again", { file: this.path, error: errorMessage(error) });
      this.dropped += 1;
      this.dropReason = errorMessage(error);
    }
  }

  private append(line: string, at: Date): void {
    const bytes = Buffer.from(line);
    if (this.fd === -1) this.reopen();
    const period = this.policy.every ? periodIndex(this.policy.every, at) : null;
    const newPeriod = period !== null && this.period !== null && period !== this.period;
    if (this.size > 0 && (newPeriod || this.size + bytes.length > this.policy.maxSizeBytes)) this.rotate();
    writeAll(this.fd, bytes);
    this.size += bytes.length;
    this.period ??= period;
  }

  /** Copies a child's stdout or stderr into the file line by line until the stream ends or the file closes. */
  attachStream(readable: Readable, stream: OutputStream): void {
    if (this.closed) {
      // Still drain it: a child whose pipe nobody reads blocks once the pipe buffer fills.
      readable.resume();
      return;
    }
    const splitter = new LineSplitter((text) => this.writeFromStream(stream, text));
    const onData = (chunk: Buffer | string) => splitter.push(chunk);
    const attachment: Attachment = {
      detach: () => {
        if (!this.attachments.delete(attachment)) return;
        readable.off("data", onData);
        readable.off("end", attachment.detach);
        readable.off("close", attachment.detach);
        splitter.flush();
      },
    };
    this.attachments.add(attachment);
    readable.on("data", onData);
    readable.once("end", attachment.detach);
    readable.once("close", attachment.detach);
    // Stays attached after detaching: an unhandled 'error' on a child's pipe would crash the daemon.
    readable.on("error", (error) => {
      this.logger.warn("log stream failed", { file: this.path, stream, error: errorMessage(error) });
      attachment.detach();
    });
  }

  /** Flushes attached streams, closes the file, and resolves once pending compression has finished. */
  async close(): Promise<void> {
    if (!this.closed) {
      for (const attachment of [...this.attachments]) attachment.detach();
      this.closed = true;
      if (this.fd !== -1) closeSync(this.fd);
      this.fd = -1;
    }
    await this.compressionChain;
  }

  private writeFromStream(stream: OutputStream, text: string): void {
    this.writeLine(stream, text);
  }

  private rotate(): void {
    closeSync(this.fd);
    this.fd = -1;
    holdForFollowers(this.path, this.policy.maxSizeBytes);
    try {
      shiftGenerations(this.path, this.policy.keep);
      for (const job of this.compressionJobs) job.index++;
      if (this.policy.compress && this.policy.keep > 0) this.enqueueCompression(1);
    } catch (error) {
      for (const job of this.compressionJobs) job.cancelled = true;
      this.logger.warn("could not rotate log file; writing on", { file: this.path, error: errorMessage(error) });
    } finally {
      this.reopen();
    }
    // After a failed rotation, try again only after another maxSizeBytes rather than before every line.
    if (this.size > this.policy.maxSizeBytes) this.size = 0;
    this.period = null;
    try {
      this.afterRotate();
    } catch (error) {
      this.logger.warn("could not apply the log retention policy", { file: this.path, error: errorMessage(error) });
    }
  }

  private reopen(): void {
    let modifiedMs: number;
    ({ fd: this.fd, size: this.size, modifiedMs } = openForAppend(this.path));
    this.period = this.size > 0 && this.policy.every ? periodIndex(this.policy.every, modifiedMs) : null;
  }

  /** Lines dropped since the last successful write (a full disk). */
  get droppedLines(): number {
    return this.dropped;
  }

  private enqueueCompression(index: number): void {
    const job: CompressionJob = { index, cancelled: false };
    this.compressionJobs.add(job);
    this.compressionChain = this.compressionChain.then(async () => {
      try {
        await this.compress(job);
      } catch (error) {
        this.logger.warn("could not compress rotated log file", {
          file: rotatedLogPath(this.path, job.index),
          error: errorMessage(error),
        });
      } finally {
        this.compressionJobs.delete(job);
      }
    });
  }

  private async compress(job: CompressionJob): Promise<void> {
    if (!this.isCurrent(job)) return;
    const temporary = await compressToTemporary(this.path, rotatedLogPath(this.path, job.index));
    if (temporary === null) return;
    // Rotations may have happened meanwhile; job.index says where the source is now.
    if (!this.isCurrent(job)) {
      rmSync(temporary, { force: true });
      return;
    }
    try {
      renameSync(temporary, rotatedLogPath(this.path, job.index, true));
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    rmSync(rotatedLogPath(this.path, job.index), { force: true });
  }

  private isCurrent(job: CompressionJob): boolean {
    return !job.cancelled && job.index <= this.policy.keep;
  }
}

function openForAppend(path: string): { fd: number; size: number; modifiedMs: number } {
  // Every time, not just at construction: the directory may have been removed under a running daemon.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, "a", 0o600);
  const stats = fstatSync(fd);
  return { fd, size: stats.size, modifiedMs: stats.mtimeMs };
}

function writeAll(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}
