import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { join } from "node:path";
import { silentLogger, type Logger } from "../util/logger.js";
import type { ContentCoding } from "./static-accept-encoding.js";
import { compressFile, FILE_SUFFIX, variantPath, versionOf, type CompressionJob } from "./static-compress-file.js";
import { closeFile, openRegularFile, openRegularFileAt, type OpenedFile } from "./static-open-file.js";

// Compressed variants are made once per file version, never per request (RFC 9110 §8.4 content
// codings). Variants written beside the file by the build (`app.css.br`, `app.css.gz`, as from
// WhiteNoise or `compress`) are used as they are; otherwise berth compresses in the background
// into the cache directory and serves identity until the variant exists.

export const MINIMUM_COMPRESSIBLE_BYTES = 1024;
/** Above this a background job would hog a thread-pool thread for too long; such files go out identity. */
export const MAXIMUM_COMPRESSIBLE_BYTES = 64 * 1024 * 1024;
/** Files waiting for compression beyond this are skipped for now; a later request asks again. */
const MAXIMUM_QUEUED_FILES = 1000;
/**
 * Where a file version's variant was found (or that it has none) is remembered this long, so hot
 * files do not pay a failed open per request; a `.br` dropped beside an unchanged file is used
 * after at most this delay. A changed file is a new version and is looked up at once.
 */
const LOOKUP_MEMORY_MS = 2000;
const MAXIMUM_REMEMBERED_LOOKUPS = 10_000;

export interface PrecompressorOptions {
  cacheDir: string;
  logger?: Logger;
}

interface Lookup {
  version: string;
  at: number;
  /** The variant's path, or null when the file has none yet. */
  path: string | null;
  /** Beside the original, rather than made by us: it must be newer than the original. */
  beside: boolean;
}

export class Precompressor {
  private readonly cacheDir: string;
  private readonly logger: Logger;
  private readonly queue: CompressionJob[] = [];
  /** Jobs queued or running, by path and version: a file version is never compressed twice at once. */
  private readonly pending = new Set<string>();
  private draining: Promise<void> | null = null;
  private readonly lookups = new Map<string, Lookup>();

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
    const key = `${realPath}\0${coding}`;
    const version = versionOf(stats);
    const remembered = this.lookups.get(key);
    if (remembered && remembered.version === version && Date.now() - remembered.at < LOOKUP_MEMORY_MS) {
      if (remembered.path === null) return null;
      const variant = await openUsableVariant(remembered.path, remembered.beside, stats);
      if (variant) return variant;
    }
    const found = await this.findVariant(realPath, stats, coding, cacheName);
    if (this.lookups.size >= MAXIMUM_REMEMBERED_LOOKUPS) this.lookups.clear();
    this.lookups.set(key, { version, at: Date.now(), path: found?.path ?? null, beside: found?.beside ?? false });
    return found?.file ?? null;
  }

  /** Resolves once every queued compression has finished (for shutdown and tests). */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async findVariant(realPath: string, stats: Stats, coding: ContentCoding, cacheName: string) {
    const besidePath = realPath + FILE_SUFFIX[coding];
    const beside = await openUsableVariant(besidePath, true, stats);
    if (beside) return { file: beside, path: besidePath, beside: true };

    if (stats.size < MINIMUM_COMPRESSIBLE_BYTES || stats.size > MAXIMUM_COMPRESSIBLE_BYTES) return null;
    const entry = createHash("sha256").update(cacheName).digest("hex").slice(0, 32);
    const job: CompressionJob = { sourcePath: realPath, entryDirectory: join(this.cacheDir, entry), version: versionOf(stats) };
    const cachedPath = variantPath(job, coding);
    const cached = await openRegularFile(cachedPath);
    if (cached) return { file: cached, path: cachedPath, beside: false };
    this.enqueue(job);
    return null;
  }

  private enqueue(job: CompressionJob): void {
    const key = `${job.sourcePath}\0${job.version}`;
    if (this.pending.has(key) || this.pending.size >= MAXIMUM_QUEUED_FILES) return;
    this.pending.add(key);
    this.queue.push(job);
    this.draining ??= this.drain();
  }

  /** One file at a time: compression runs on libuv's small thread pool, which file reads share. */
  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      try {
        await compressFile(job);
      } catch (error) {
        this.logger.warn("static precompression failed", { file: job.sourcePath, error: (error as Error).message });
      } finally {
        this.pending.delete(`${job.sourcePath}\0${job.version}`);
        for (const coding of Object.keys(FILE_SUFFIX)) this.lookups.delete(`${job.sourcePath}\0${coding}`);
      }
    }
    this.draining = null;
  }
}

/**
 * Opens a variant file. One beside the original must be at least as new as the original:
 * an older one was not made from it, the original having been edited since.
 */
async function openUsableVariant(path: string, beside: boolean, original: Stats): Promise<OpenedFile | null> {
  // One beside the original lies in the served tree, where a directory may be swapped for a
  // symlink at any moment: it must really be at the path derived from the original's real path.
  // The cache directory is berth's own.
  const variant = beside ? await openRegularFileAt(path) : await openRegularFile(path);
  if (variant === null || !beside || variant.stats.mtimeMs >= original.mtimeMs) return variant;
  closeFile(variant);
  return null;
}
