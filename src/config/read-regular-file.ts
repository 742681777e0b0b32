import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** berth.yml and env files are small text; anything bigger is a mistake (or /dev/zero). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export type UnreadableReason =
  | { kind: "missing" }
  | { kind: "not-regular"; what: string }
  | { kind: "too-big"; bytes: number }
  | { kind: "error"; code: string };

export class UnreadableFileError extends Error {
  constructor(readonly reason: UnreadableReason) {
    super(describeUnreadable(reason));
  }
}

/**
 * Reads a regular file of at most `maxBytes`. It is opened non-blocking and checked with fstat on
 * the opened descriptor, so a FIFO never blocks the read and a file swapped after a stat cannot slip
 * past the check; a device such as /dev/zero is refused before a byte is read.
 */
export function readRegularFile(path: string, maxBytes = MAX_CONFIG_FILE_BYTES): Buffer {
  let descriptor: number;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw new UnreadableFileError(reasonOf(error));
  }
  try {
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) throw new UnreadableFileError({ kind: "not-regular", what: kindOf(stats) });
    if (stats.size > maxBytes) throw new UnreadableFileError({ kind: "too-big", bytes: stats.size });
    // The size can grow between fstat and read; reading one byte past the limit tells.
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const count = readSync(descriptor, buffer, length, buffer.length - length, null);
      if (count === 0) break;
      length += count;
    }
    if (length > maxBytes) throw new UnreadableFileError({ kind: "too-big", bytes: length });
    return buffer.subarray(0, length);
  } catch (error) {
    throw error instanceof UnreadableFileError ? error : new UnreadableFileError(reasonOf(error));
  } finally {
    closeSync(descriptor);
  }
}

export function describeUnreadable(reason: UnreadableReason): string {
  switch (reason.kind) {
    case "missing":
      return "not found";
    case "not-regular":
      return `is ${reason.what}, not a regular file`;
    case "too-big":
      return `is larger than ${MAX_CONFIG_FILE_BYTES / 1024} KiB (${reason.bytes} bytes or more)`;
    case "error":
      return `cannot be read (${reason.code})`;
  }
}

function reasonOf(error: unknown): UnreadableReason {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
  if (code === "EISDIR") return { kind: "not-regular", what: "a directory" };
  return { kind: "error", code: code ?? String(error) };
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "a special file";
}
