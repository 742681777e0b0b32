import { createReadStream, existsSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { LogSource } from "./file-follower.js";
import { LineSplitter } from "./line-splitter.js";
import { rotatedLogPath } from "./list.js";
import { parseLogLine, type LabeledLine, type LogLine } from "./log-line.js";
import { MAX_STORED_LINE_BYTES } from "./read-generation.js";
import { mergeByTime } from "./tail.js";

// `berth logs --since/--until/--grep`: every kept generation of each source, oldest first, filtered.

export interface LineFilter {
  since?: Date;
  until?: Date;
  grep?: RegExp;
}

export function matchesFilter(line: LogLine, filter: LineFilter): boolean {
  if (filter.since && line.at < filter.since) return false;
  if (filter.until && line.at > filter.until) return false;
  if (filter.grep && !filter.grep.test(line.text)) return false;
  return true;
}

/** The matching lines of every source across all its generations, merged by time; the last `limit` when given. */
export async function readMatchingLines(sources: LogSource[], filter: LineFilter, limit?: number): Promise<LabeledLine[]> {
  const perSource = await Promise.all(sources.map((source) => matchingLinesOfSource(source, filter)));
  const merged = mergeByTime(perSource);
  return limit === undefined ? merged : merged.slice(-limit);
}

async function matchingLinesOfSource(source: LogSource, filter: LineFilter): Promise<LabeledLine[]> {
  const matching: LabeledLine[] = [];
  for (const file of generationFilesOldestFirst(source.path)) {
    await readWholeFile(file, (line) => {
      if (matchesFilter(line, filter)) matching.push({ label: source.label, ...line });
    });
  }
  return matching;
}

function generationFilesOldestFirst(path: string): string[] {
  const files: string[] = [];
  for (let index = 1; ; index++) {
    const plain = rotatedLogPath(path, index);
    const compressed = rotatedLogPath(path, index, true);
    if (existsSync(plain)) files.push(plain);
    else if (existsSync(compressed)) files.push(compressed);
    else break;
  }
  return [...files.reverse(), path];
}

async function readWholeFile(path: string, onLine: (line: LogLine) => void): Promise<void> {
  const splitter = new LineSplitter(
    (raw) => {
      const line = parseLogLine(raw);
      if (line) onLine(line);
    },
    { maxLineBytes: MAX_STORED_LINE_BYTES },
  );
  const consume = async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) splitter.push(chunk);
  };
  try {
    if (path.endsWith(".gz")) await pipeline(createReadStream(path), createGunzip(), consume);
    else await pipeline(createReadStream(path), consume);
  } catch (error) {
    // Rotated or compressed away between listing and reading: its lines are in the next name, read or not.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  splitter.flush();
}
