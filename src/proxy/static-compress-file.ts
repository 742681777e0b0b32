import { closeSync, createReadStream, type Stats } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { constants as zlibConstants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from "node:zlib";
import type { ContentCoding } from "./static-accept-encoding.js";
import { openRegularFileAt } from "./static-open-file.js";

// Writes the gzip and brotli variants of one version of one file into the cache directory,
// atomically (temp file, fsync, rename), and removes the variants of its earlier versions.

/** Brotli's best quality is slow (about 1 MB/s); bigger files get a quicker setting. */
const BEST_BROTLI_UP_TO_BYTES = 1024 * 1024;
/** A `.partial` file older than this was left by a process that died while compressing. */
const ABANDONED_PARTIAL_MS = 10 * 60 * 1000;

export const FILE_SUFFIX: Record<ContentCoding, string> = { br: ".br", gzip: ".gz" };

export interface CompressionJob {
  /** Real path of the original file. */
  sourcePath: string;
  /** The cache directory's entry for this file, whatever its version. */
  entryDirectory: string;
  version: string;
}

/** The inode joins size and mtime so a file replaced by another of equal size and mtime still differs. */
export function versionOf(stats: Stats): string {
  return `${stats.ino}-${stats.size}-${Math.round(stats.mtimeMs * 1000)}`;
}

export function variantPath(job: CompressionJob, coding: ContentCoding): string {
  return join(job.entryDirectory, `${job.version}${FILE_SUFFIX[coding]}`);
}

export async function compressFile(job: CompressionJob): Promise<void> {
  // Changed since the request that queued the job: the next request queues the new version.
  const current = await stat(job.sourcePath).catch(() => null);
  if (current === null || versionOf(current) !== job.version) return;
  await mkdir(job.entryDirectory, { recursive: true, mode: 0o700 });
  for (const coding of ["br", "gzip"] as const) {
    if (!(await exists(variantPath(job, coding)))) await writeVariant(job, coding);
  }
  await removeOtherVersions(job);
}

/** The `.partial` name, created exclusively, also keeps other proxy worker processes off the file. */
async function writeVariant(job: CompressionJob, coding: ContentCoding): Promise<void> {
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
    // The source lies in the served tree: refuse it if a swapped symlink led the open elsewhere.
    const source = await openRegularFileAt(job.sourcePath);
    if (!source) return;
    try {
      if (versionOf(source.stats) !== job.version) return;
      // Written chunk by chunk rather than through a write stream, which would keep the handle
      // busy until the stream closed it, before the fsync below.
      await pipeline(createReadStream("", { fd: source.fd, autoClose: false }), compressorFor(coding, source.stats.size), async (compressed: AsyncIterable<Buffer>) => {
        for await (const chunk of compressed) await output.write(chunk);
      });
      // Edited in place while we read it: the variant may mix old and new content.
      if (versionOf(await stat(job.sourcePath)) !== job.version) return;
    } finally {
      closeSync(source.fd);
    }
    await output.sync();
    complete = true;
  } finally {
    await output.close();
    if (complete) await rename(partialPath, finalPath);
    else await unlink(partialPath).catch(() => {});
  }
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
