import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { FileFollower, type LogSource } from "./file-follower.js";
import { FollowHold } from "./follow-holds.js";
import type { LabeledLine, LogLine } from "./log-line.js";
import { readGenerationTail } from "./read-generation.js";

export type { LogSource } from "./file-follower.js";

/** fs.watch misses events on some filesystems (network mounts, some containers); polling catches up. */
export const FOLLOW_POLL_INTERVAL_MS = 200;

/**
 * The last `count` lines across all sources, oldest first, merged by timestamp. Lines with equal
 * timestamps keep the order of `sources`; each file's own order is always kept.
 */
export async function readLastLines(sources: LogSource[], count: number): Promise<LabeledLine[]> {
  if (count <= 0) return [];
  const perSource = await Promise.all(sources.map((source) => lastLinesOfSource(source, count)));
  return mergeByTime(perSource).slice(-count);
}

export interface FollowOptions {
  /**
   * The sources to follow now, asked every FOLLOW_POLL_INTERVAL_MS: one not followed yet (a
   * replica added by `berth scale`) is followed from its first line.
   */
  discoverSources?: () => Promise<LogSource[]>;
  /** Told when a source's follower fell so far behind that the writer stopped holding generations for it. */
  onGap?: (label: string) => void;
}

/**
 * Delivers every line appended to the sources after this call, following each file across rotation.
 * Resolves once `signal` aborts and everything is closed; rejects if reading fails or `onLine` throws.
 */
export function followLogs(
  sources: LogSource[],
  onLine: (line: LabeledLine) => void,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const followers: FileFollower[] = [];
  const holds = new FollowHolds();
  try {
    for (const source of sources) followers.push(new FileFollower(source, onLine, "end", holds.for(dirname(source.path)), options.onGap));
  } catch (error) {
    for (const follower of followers) follower.close();
    holds.close();
    return Promise.reject(error);
  }
  const session = new FollowSession(followers, new Set(sources.map((source) => source.path)), onLine, options.discoverSources, holds, options.onGap);
  return session.run(signal, sources.map((source) => dirname(source.path)));
}

async function lastLinesOfSource(source: LogSource, count: number): Promise<LabeledLine[]> {
  const newestGenerationFirst: LogLine[][] = [];
  const inodesRead = new Set<number>();
  let needed = count;
  for (let index = 0; needed > 0; index++) {
    const generation = await readGenerationTail(source.path, index, needed);
    // A missing current file may just be mid-rotation; a missing rotated one ends the history.
    if (generation === null) {
      if (index === 0) continue;
      break;
    }
    // The current file was renamed to `.1` while we read it: do not read it twice.
    if (generation.inode !== null) {
      if (inodesRead.has(generation.inode)) continue;
      inodesRead.add(generation.inode);
    }
    newestGenerationFirst.push(generation.lines);
    needed -= generation.lines.length;
  }
  return newestGenerationFirst.reverse().flat().map((line) => ({ label: source.label, ...line }));
}

/** k-way merge of lists that are each in time order; ties go to the earlier list. */
export function mergeByTime(lists: LabeledLine[][]): LabeledLine[] {
  const positions = lists.map(() => 0);
  const merged: LabeledLine[] = [];
  for (;;) {
    let earliest = -1;
    let earliestTime = Infinity;
    lists.forEach((list, index) => {
      const line = list[positions[index] ?? 0];
      if (line && line.at.getTime() < earliestTime) {
        earliest = index;
        earliestTime = line.at.getTime();
      }
    });
    if (earliest === -1) return merged;
    const position = positions[earliest] ?? 0;
    merged.push(lists[earliest]![position]!);
    positions[earliest] = position + 1;
  }
}

class FollowSession {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private stopped = false;
  private settle: (error?: unknown) => void = () => {};
  private detachAbort: () => void = () => {};
  private lastDiscovery = 0;
  private readonly watchedDirectories = new Set<string>();

  constructor(
    private readonly followers: FileFollower[],
    private readonly followedPaths: Set<string>,
    private readonly onLine: (line: LabeledLine) => void,
    private readonly discoverSources: (() => Promise<LogSource[]>) | undefined,
    private readonly holds: FollowHolds,
    private readonly onGap: ((label: string) => void) | undefined,
  ) {}

  run(signal: AbortSignal, directories: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
      if (signal.aborted) {
        void this.stop();
        return;
      }
      const onAbort = () => void this.stop();
      signal.addEventListener("abort", onAbort, { once: true });
      this.detachAbort = () => signal.removeEventListener("abort", onAbort);
      this.timer = setInterval(() => this.requestPoll(), FOLLOW_POLL_INTERVAL_MS);
      for (const directory of directories) this.watchDirectory(directory);
    });
  }

  private watchDirectory(directory: string): void {
    if (this.watchedDirectories.has(directory)) return;
    this.watchedDirectories.add(directory);
    // Watch the directory, not the file: rotation replaces the file, and a watch on it would stay on the old one.
    try {
      const watcher = watch(directory, () => this.requestPoll());
      watcher.on("error", () => watcher.close());
      this.watchers.push(watcher);
    } catch {
      // No watch (missing directory, inotify limit): the interval alone keeps following.
    }
  }

  private requestPoll(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.pollUntilQuiet().then(
      () => {
        this.polling = null;
        if (this.pollAgain) this.requestPoll();
      },
      (error: unknown) => {
        this.polling = null;
        void this.stop(error);
      },
    );
  }

  private async pollUntilQuiet(): Promise<void> {
    do {
      this.pollAgain = false;
      await this.followNewSources();
      for (const follower of this.followers) {
        if (this.stopped) return;
        await follower.poll();
      }
      this.holds.releaseAllExcept(this.followedPaths);
    } while (this.pollAgain && !this.stopped);
  }

  /** At most once an interval: every write in a watched directory requests a poll. */
  private async followNewSources(): Promise<void> {
    if (!this.discoverSources || Date.now() - this.lastDiscovery < FOLLOW_POLL_INTERVAL_MS) return;
    this.lastDiscovery = Date.now();
    for (const source of await this.discoverSources()) {
      if (this.stopped || this.followedPaths.has(source.path)) continue;
      this.followedPaths.add(source.path);
      this.followers.push(new FileFollower(source, this.onLine, "start", this.holds.for(dirname(source.path)), this.onGap));
      this.watchDirectory(dirname(source.path));
    }
  }

  private async stop(error?: unknown): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.detachAbort();
    if (this.timer) clearInterval(this.timer);
    for (const watcher of this.watchers) watcher.close();
    await this.polling;
    for (const follower of this.followers) follower.close();
    this.holds.close();
    this.settle(error);
  }
}

/** One hold directory per log directory followed, registered before the first file there is opened. */
class FollowHolds {
  private readonly byDirectory = new Map<string, FollowHold | null>();

  for(directory: string): FollowHold | null {
    if (!this.byDirectory.has(directory)) this.byDirectory.set(directory, FollowHold.register(directory));
    return this.byDirectory.get(directory) ?? null;
  }

  releaseAllExcept(followedPaths: Set<string>): void {
    const names = new Set([...followedPaths].map((path) => basename(path)));
    for (const hold of this.byDirectory.values()) hold?.releaseAllExcept(names);
  }

  close(): void {
    for (const hold of this.byDirectory.values()) hold?.close();
    this.byDirectory.clear();
  }
}
