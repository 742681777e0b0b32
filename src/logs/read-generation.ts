import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { LineSplitter } from "./line-splitter.js";
import { rotatedLogPath } from "./list.js";
import { parseLogLine, type LogLine } from "./log-line.js";

// Reads the newest lines of one generation of a log: the current file or a rotated `.N` / `.N.gz`.

const NEWLINE = 0x0a;
const BACKWARD_CHUNK_BYTES = 64 * 1024;
/** A stored line is at most the 64 KiB text cap plus its timestamp prefix; anything longer is damage. */
export const MAX_STORED_LINE_BYTES = 1024 * 1024;

export interface GenerationLines {
  /** Oldest first. */
  lines: LogLine[];
  /** Identifies the file read, so the same file seen under two names (renamed mid-read) is read once. */
  inode: number | null;
}

/**
 * The last `count` parseable lines of generation `index` of `path` (0 = the current file), or null if
 * that generation does not exist. An uncompressed file is read backwards from its end, chunk by chunk.
 */
export async function readGenerationTail(path: string, index: number, count: number): Promise<GenerationLines | null> {
  const uncompressed = index === 0 ? path : rotatedLogPath(path, index);
  const handle = await openIfExists(uncompressed);
  if (handle) {
    try {
      const stats = await handle.stat();
      return { lines: await lastLinesReadingBackward(handle, stats.size, count), inode: stats.ino };
    } finally {
      await handle.close();
    }
  }
  if (index === 0) return null;
  // Compression finished between the two looks: the .gz is the same lines.
  try {
    return { lines: await lastLinesOfGzip(rotatedLogPath(path, index, true), count), inode: null };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

async function lastLinesReadingBackward(handle: FileHandle, size: number, count: number): Promise<LogLine[]> {
  const newestFirst: LogLine[] = [];
  if (count <= 0) return newestFirst;
  for await (const raw of readLinesBackward(handle, size)) {
    const line = parseLogLine(raw);
    if (line && newestFirst.push(line) >= count) break;
  }
  return newestFirst.reverse();
}

/** Yields the lines of the first `size` bytes of a file, last line first. */
export async function* readLinesBackward(handle: FileHandle, size: number): AsyncGenerator<string> {
  let position = size;
  // The bytes before the earliest newline seen so far: the tail end of a line whose start is not read yet.
  let carry = Buffer.alloc(0);
  let isLastSegment = true;
  while (position > 0) {
    const length = Math.min(BACKWARD_CHUNK_BYTES, position);
    position -= length;
    const chunk = await readAt(handle, position, length);
    const data = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
    let end = data.length;
    for (let newline = lastNewlineBefore(data, end); newline !== -1; newline = lastNewlineBefore(data, end)) {
      const segment = data.subarray(newline + 1, end);
      // A file ending in a newline has an empty "line" after it, which is not a line.
      if (!(isLastSegment && segment.length === 0)) yield decodeLine(segment);
      isLastSegment = false;
      end = newline;
    }
    carry = Buffer.from(data.subarray(0, end));
  }
  if (carry.length > 0) yield decodeLine(carry);
}

async function lastLinesOfGzip(path: string, count: number): Promise<LogLine[]> {
  let kept: LogLine[] = [];
  if (count <= 0) return kept;
  const splitter = new LineSplitter(
    (raw) => {
      const line = parseLogLine(raw);
      if (!line) return;
      kept.push(line);
      // Trim in batches: shifting one line at a time is quadratic for a large count.
      if (kept.length >= 2 * count) kept = kept.slice(-count);
    },
    { maxLineBytes: MAX_STORED_LINE_BYTES },
  );
  await pipeline(createReadStream(path), createGunzip(), async (decompressed: AsyncIterable<Buffer>) => {
    for await (const chunk of decompressed) splitter.push(chunk);
  });
  splitter.flush();
  return kept.slice(-count);
}

async function openIfExists(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    // Truncated while we read: what is left is what there is.
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
  }
  return buffer;
}

function lastNewlineBefore(data: Buffer, end: number): number {
  // lastIndexOf with a negative offset counts from the end, so an empty range needs its own check.
  return end > 0 ? data.lastIndexOf(NEWLINE, end - 1) : -1;
}

function decodeLine(bytes: Buffer): string {
  const withoutReturn = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes;
  return withoutReturn.toString("utf8");
}
