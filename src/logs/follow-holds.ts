import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

// How `berth logs -f` never loses a generation, whatever the rate. Each follower registers a hold
// directory `<logDir>/.follow/<pid>/`; when a writer rotates a file out, it first hard-links the
// finished file into every live hold directory. The follower reads the held links in order and
// deletes each once read, so a burst that rotates through every kept generation before the follower
// gets to them (keep 5 × 100 KB went by in 70 ms in the burst) still reaches it whole.
// Held links are bounded (MAX_HELD_BYTES per follower) and removed with the follower, or by the next
// rotation once its process is gone.

const HOLDS_DIRECTORY = ".follow";
/** Beyond this many bytes a stalled follower stops holding generations and is told of the gap instead. */
export const MAX_HELD_BYTES = 256 * 1024 * 1024;
const MIN_HELD_FILES = 16;
const LINK_SEPARATOR = "@";

let linkSequence = 0;

export function holdsRoot(logDir: string): string {
  return join(logDir, HOLDS_DIRECTORY);
}

/**
 * Writer side: links the finished file at `path` into every live follower's hold directory. Call it
 * after the last write to the file and before renaming it. Never throws: following is best effort
 * for the writer, and a follower that finds no link falls back to reading what is still there.
 */
export function holdForFollowers(path: string, maxFileBytes: number): void {
  const root = holdsRoot(dirname(path));
  let followers: string[];
  try {
    followers = readdirSync(root);
  } catch {
    return;
  }
  const maxFiles = Math.max(MIN_HELD_FILES, Math.floor(MAX_HELD_BYTES / Math.max(1, maxFileBytes)));
  const name = `${basename(path)}${LINK_SEPARATOR}${String(Date.now()).padStart(15, "0")}-${String(++linkSequence).padStart(9, "0")}`;
  for (const follower of followers) {
    const directory = join(root, follower);
    try {
      if (!isLiveProcess(follower)) {
        rmSync(directory, { recursive: true, force: true });
        continue;
      }
      if (readdirSync(directory).length >= maxFiles) continue;
      linkSync(path, join(directory, name));
    } catch {
      // A follower that went away meanwhile, or a file system without hard links.
    }
  }
}

export interface HeldGeneration {
  path: string;
  inode: number;
}

/** Follower side: the hold directory of this process in one log directory. */
export class FollowHold {
  private constructor(readonly directory: string) {}

  /** Null when the directory cannot be written (another user's logs): following then works as before, without holds. */
  static register(logDir: string, pid = process.pid): FollowHold | null {
    const directory = join(holdsRoot(logDir), String(pid));
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      // Links left by an earlier process with the same pid are not ours to read.
      for (const name of readdirSync(directory)) rmSync(join(directory, name), { force: true });
      return new FollowHold(directory);
    } catch {
      return null;
    }
  }

  /** The generations of `source` rotated out since the last look, oldest first. */
  heldFor(source: string): HeldGeneration[] {
    const prefix = basename(source) + LINK_SEPARATOR;
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch {
      return [];
    }
    const held: HeldGeneration[] = [];
    for (const name of names.filter((candidate) => candidate.startsWith(prefix)).sort()) {
      const path = join(this.directory, name);
      try {
        held.push({ path, inode: statSync(path).ino });
      } catch {
        // released meanwhile
      }
    }
    return held;
  }

  release(held: HeldGeneration): void {
    rmSync(held.path, { force: true });
  }

  /** Drops links of files nobody here follows (the writer links every file of the directory). */
  releaseAllExcept(followed: Set<string>): void {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch {
      return;
    }
    for (const name of names) {
      const source = name.slice(0, name.lastIndexOf(LINK_SEPARATOR));
      if (!followed.has(source)) rmSync(join(this.directory, name), { force: true });
    }
  }

  close(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}

function isLiveProcess(name: string): boolean {
  if (!/^\d+$/.test(name)) return false;
  return existsSync(`/proc/${name}`);
}
