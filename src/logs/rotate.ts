import { createReadStream, createWriteStream, openSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { rotatedLogPath } from "./list.js";

// File moves for rotation. Everything that renames generations is synchronous: the log file calls it
// between two writeSync calls, so no line can land in a file that is halfway through being moved.

const COMPRESSING_MARKER = ".compressing-";
let temporarySequence = 0;

/**
 * Shifts `path` → `path.1`, `path.N(.gz)` → `path.N+1(.gz)`, deleting every generation that would end up
 * beyond `keep`. With keep 0 the current file is simply deleted. With `moveCurrent` false the file
 * at `path` stays where it is (copytruncate puts a copy at `.1` itself).
 */
export function shiftGenerations(path: string, keep: number, moveCurrent = true): void {
  const survivors: Generation[] = [];
  for (const generation of existingGenerations(path)) {
    if (generation.index >= keep) rmSync(join(dirname(path), generation.name), { force: true });
    else survivors.push(generation);
  }
  if (keep === 0) {
    if (moveCurrent) rmSync(path, { force: true });
    return;
  }
  // Oldest first, so no rename lands on a generation that has not moved yet.
  survivors.sort((a, b) => b.index - a.index);
  for (const { index, compressed } of survivors) {
    renameIfExists(rotatedLogPath(path, index, compressed), rotatedLogPath(path, index + 1, compressed));
  }
  if (moveCurrent) renameIfExists(path, rotatedLogPath(path, 1));
}

/** Indexes of rotated generations that are still uncompressed, e.g. after a crash mid-compression. */
export function uncompressedGenerations(path: string, keep: number): number[] {
  return existingGenerations(path)
    .filter((generation) => !generation.compressed && generation.index <= keep)
    .map((generation) => generation.index)
    .sort((a, b) => a - b);
}

/** Deletes half-written compressed files a previous run left behind. */
export function removeCompressionLeftovers(path: string): void {
  const prefix = basename(path) + COMPRESSING_MARKER;
  for (const name of listDirectory(dirname(path))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
  }
}

/**
 * Gzips the file at `source` into a temporary file beside `path`. The source is opened before this
 * returns its promise, so later renames of `source` do not change what gets compressed. Resolves with
 * the temporary file's path; the caller moves it into place. Null when the source is already gone.
 */
export function compressToTemporary(path: string, source: string): Promise<string> | null {
  let fd: number;
  try {
    fd = openSync(source, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const temporary = `${path}${COMPRESSING_MARKER}${process.pid}-${++temporarySequence}`;
  const input = createReadStream(source, { fd });
  return pipeline(input, createGzip(), createWriteStream(temporary, { mode: 0o600 })).then(
    () => temporary,
    (error: unknown) => {
      input.destroy();
      rmSync(temporary, { force: true });
      throw error;
    },
  );
}

interface Generation {
  name: string;
  index: number;
  compressed: boolean;
}

function existingGenerations(path: string): Generation[] {
  const prefix = basename(path) + ".";
  const generations: Generation[] = [];
  for (const name of listDirectory(dirname(path))) {
    if (!name.startsWith(prefix)) continue;
    const match = /^([1-9]\d*)(\.gz)?$/.exec(name.slice(prefix.length));
    if (match) generations.push({ name, index: Number(match[1]), compressed: match[2] !== undefined });
  }
  return generations;
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
