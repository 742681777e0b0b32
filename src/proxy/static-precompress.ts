import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { constants as zlibConstants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from "node:zlib";
import { silentLogger, type Logger } from "../util/logger.js";
import type { ContentCoding } from "./static-accept-encoding.js";
import { openRegularFile, type OpenedFile } from "./static-open-file.js";

// Compressed variants are made once per file version, never per request (RFC 9110 §8.4 content
// codings). Variants written beside the file by the build (`app.css.br`, `app.css.gz`, as from
// WhiteNoise or `compress`) are used as they are; otherwise berth compresses in the background
// into the cache directory and serves identity until the variant exists.

export const MINIMUM_COMPRESSIBLE_BYTES = 1024;
/** Above this a background job would hog a thread-pool thread for too long; such files go out identity. */
export const MAXIMUM_COMPRESSIBLE_BYTES = 64 * 1024 * 1024;
/** Brotli's best quality is slow (about 1 MB/s); bigger files get a quicker setting. */
const BEST_BROTLI_UP_TO_BYTES = 1024 * 1024;
/** Files waiting for compression beyond this are skipped for now; a later request asks again. */
const MAXIMUM_QUEUED_FILES = 1000;
/** A `.partial` file older than this was left by a process that died while compressing. */
const ABANDONED_PARTIAL_MS = 10 * 60 * 1000;

const FILE_SUFFIX: Record<ContentCoding, string> = { br: ".br", gzip: ".gz" };

export interface PrecompressorOptions {
  cacheDir: string;
  logger?: Logger;
}

interface CompressionJob {
  sourcePath: string;
  entryDirectory: string;
  version: string;
}

export class Precompressor {
  private readonly cacheDir: string;
  private readonly logger: Logger;
  private readonly queue: CompressionJob[] = [];
  /** Jobs queued or running, by variant path prefix: a file version is never compressed twice at once. */
  private readonly pending = new Set<string>();
  private draining: Promise<void> | null = null;

  constructor(options: PrecompressorOptions) {
    this.cacheDir = options.cacheDir;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Opens the `coding` variant of the file at `realPath` (whose open file has `stats`), or answers
   * null and, when the file is worth it, queues the creation of its variants. `cacheName` names the
   * file in the cache: the absolute path as requested, stable across deploys that swap symlinks.
   */
  async openVariant(realPath: string, stats: Stats, coding: ContentCoding, cacheName: string): Promise<OpenedFile | null> {
    const sibling = await openRegularFile(realPath + FILE_SUFFIX[coding]);
    // A variant older than its original was not made from it: the original has been edited since.
    if (sibling && sibling.stats.mtimeMs >= stats.mtimeMs) return sibling;
    await sibling?.handle.close();

    if (stats.size < MINIMUM_COMPRESSIBLE_BYTES || stats.size > MAXIMUM_COMPRESSIBLE_BYTES) return null;
    const job = this.jobFor(realPath, stats, cacheName);
    const cached = await openRegularFile(variantPath(job, coding));
    if (cached) return cached;
    this.enqueue(job);
    return null;
  }

  /** Resolves once every queued compression has finished (for shutdown and tests). */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private jobFor(sourcePath: string, stats: Stats, cacheName: string): CompressionJob {
    const entry = createHash("sha256").update(cacheName).digest("hex").slice(0, 32);
    return { sourcePath, entryDirectory: join(this.cacheDir, entry), version: versionOf(stats) };
  }

  private enqueue(job: CompressionJob): void {
    const key = join(job.entryDirectory, job.version);
    if (this.pending.has(key) || this.pending.size >= MAXIMUM_QUEUED_FILES) return;
    this.pending.add(key);
    this.queue.push(job);
    this.draining ??= this.drain();
  }

  /** One file at a time: compression runs on libuv's small thread pool, which file reads share. */
  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      try {
        await this.compressFile(job);
      } catch (error) {
        this.logger.warn("static precompression failed", { file: job.sourcePath, error: (error as Error).message });
      } finally {
        this.pending.delete(join(job.entryDirectory, job.version));
      }
    }
    this.draining = null;
  }

  private async compressFile(job: CompressionJob): Promise<void> {
    await mkdir(job.entryDirectory, { recursive: true, mode: 0o700 });
    for (const coding of ["br", "gzip"] as const) {
      if (!(await exists(variantPath(job, coding)))) await this.writeVariant(job, coding);
    }
    await removeOtherVersions(job);
  }

  /** Temp file, fsync, rename; the `.partial` name, created exclusively, also keeps other worker processes off. */
  private async writeVariant(job: CompressionJob, coding: ContentCoding): Promise<void> {
    const finalPath = variantPath(job, coding);
    const partialPath = `${finalPath}.partial`;
    const output = await open(partialPath, "wx", 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") return null;
      throw error;
    });
    if (!output) {
      await removeIfAbandoned(partialPath);
      return;
    }
    let complete = false;
    try {
      const source = await openRegularFile(job.sourcePath);
      if (!source) return;
      try {
        if (versionOf(source.stats) !== job.version) return;
        await pipeline(source.handle.createReadStream({ autoClose: false }), compressorFor(coding, source.stats.size), output.createWriteStream({ autoClose: false }));
        // Edited in place while we read it: the variant may mix old and new content.
        if (versionOf(await source.handle.stat()) !== job.version) return;
      } finally {
        await source.handle.close();
      }
      await output.sync();
      complete = true;
    } finally {
      await output.close();
      if (complete) await rename(partialPath, finalPath);
      else await unlink(partialPath).catch(() => {});
    }
  }
}

function variantPath(job: CompressionJob, coding: ContentCoding): string {
  return join(job.entryDirectory, `${job.version}${FILE_SUFFIX[coding]}`);
}

/** The inode joins size and mtime so a file replaced by another of equal size and mtime still differs. */
function versionOf(stats: Stats): string {
  return `${stats.ino}-${stats.size}-${Math.round(stats.mtimeMs * 1000)}`;
}

function compressorFor(coding: ContentCoding, size: number): BrotliCompress | Gzip {
  if (coding === "gzip") return createGzip({ level: zlibConstants.Z_BEST_COMPRESSION });
  const quality = size <= BEST_BROTLI_UP_TO_BYTES ? zlibConstants.BROTLI_MAX_QUALITY : 9;
  return createBrotliCompress({
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: quality, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: size },
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Variants of earlier versions of the file are dead weight once the file has changed. */
async function removeOtherVersions(job: CompressionJob): Promise<void> {
  for (const name of await readdir(job.entryDirectory)) {
    if (name.startsWith(`${job.version}.`)) continue;
    const path = join(job.entryDirectory, name);
    if (name.endsWith(".partial")) await removeIfAbandoned(path);
    else await unlink(path).catch(() => {});
  }
}

/** Another process may be writing this `.partial` right now; only one left long ago is removed. */
async function removeIfAbandoned(partialPath: string): Promise<void> {
  const partial = await stat(partialPath).catch(() => null);
  if (partial && Date.now() - partial.mtimeMs > ABANDONED_PARTIAL_MS) await unlink(partialPath).catch(() => {});
}
