import { closeSync, fstatSync, openSync, read, statSync } from "node:fs";
import type { FollowHold, HeldGeneration } from "./follow-holds.js";
import { LineSplitter } from "./line-splitter.js";
import { parseLogLine, type LabeledLine } from "./log-line.js";
import { MAX_STORED_LINE_BYTES } from "./read-generation.js";

// Follows one log file by name across rotation, like `tail -F`, but by generation: the writer renames
// the file and opens a new one at the same path, and every generation rotated out meanwhile is read
// whole and in order (held for us by hard links, follow-holds.ts) before the file now at the path.

export interface LogSource {
  path: string;
  label: string;
}

const READ_CHUNK_BYTES = 64 * 1024;

interface OpenFile {
  fd: number;
  inode: number;
  offset: number;
}

export class FileFollower {
  private file: OpenFile | null;
  /** The last held generation read to its end, kept linked while the writer may not have renamed it yet. */
  private finished: HeldGeneration | null = null;
  private readonly splitter: LineSplitter;

  /**
   * Opens synchronously so that "lines appended after the call" means exactly that; `from: "start"`
   * delivers the lines already in the file too (a replica that appeared while following). With a
   * `hold` (follow-holds.ts), every generation rotated out after this call is read whole, in order.
   */
  constructor(
    private readonly source: LogSource,
    onLine: (line: LabeledLine) => void,
    from: "start" | "end" = "end",
    private readonly hold: FollowHold | null = null,
    /** Told when a file rotated out without being held: generations between may have been missed. */
    private readonly onGap: (label: string) => void = () => {},
  ) {
    this.file = openAt(source.path, from);
    // Generations rotated out before we opened are older than where we start.
    for (const held of this.heldGenerations()) if (held.inode !== this.file?.inode) this.hold?.release(held);
    this.splitter = new LineSplitter(
      (raw) => {
        const line = parseLogLine(raw);
        if (line) onLine({ label: source.label, ...line });
      },
      { maxLineBytes: MAX_STORED_LINE_BYTES },
    );
  }

  /** Delivers whatever was appended since the last poll, generation by generation. Callers must not run two polls at once. */
  async poll(): Promise<void> {
    for (;;) {
      // The path before the holds: a writer links a finished file before renaming it, so a file gone
      // from the path is already in the list read next, or was never going to be.
      const atPath = statIfExists(this.source.path);
      if (this.finished && atPath?.ino !== this.finished.inode) {
        this.hold?.release(this.finished);
        this.finished = null;
      }
      const held = this.heldGenerations().filter((generation) => generation.path !== this.finished?.path);
      if (this.file === null) {
        if (held.length > 0) this.file = openAt(held[0]!.path, "start");
        // Linked but not renamed yet: the writer is between the two steps of a rotation.
        else if (atPath && atPath.ino === this.finished?.inode) return;
        else if (atPath) this.file = openAt(this.source.path, "start");
        else return;
        // Look at the holds again before reading: the file opened at the path may already be newer than one rotated meanwhile.
        continue;
      }
      const ours = held.findIndex((generation) => generation.inode === this.file!.inode);
      if (ours > 0 && this.file.offset === 0) {
        // Opened but not read yet, and an older generation is still waiting: that one first.
        this.close();
        continue;
      }
      if (ours >= 0) {
        // Rotated out: it will not grow any more. Read it to the end, then move on to the next generation.
        for (const stale of held.slice(0, ours)) this.hold?.release(stale);
        await this.finishFile();
        // Kept until the path shows another file: until then, the inode at the path is this one, already read.
        this.finished = held[ours]!;
        continue;
      }
      if (atPath && atPath.ino === this.file.inode) {
        if (this.file.offset === 0 && held.length > 0) {
          this.close();
          continue;
        }
        if (fstatSync(this.file.fd).size < this.file.offset) {
          // Truncated in place (by something other than berth): start over from the top.
          this.splitter.flush();
          this.file.offset = 0;
        }
        for (const stale of held) this.hold?.release(stale);
        await this.drain(this.file);
        return;
      }
      if (!atPath && held.length === 0) {
        // Mid-rotation, or removed: read what is there and look again at the next poll.
        await this.drain(this.file);
        return;
      }
      // Rotated out without a hold (no hold directory, or a follower too far behind): the descriptor still reads it.
      await this.finishFile();
      if (this.hold) this.onGap(this.source.label);
    }
  }

  close(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = null;
  }

  private async finishFile(): Promise<void> {
    if (this.file) await this.drain(this.file);
    this.splitter.flush();
    this.close();
  }

  private heldGenerations(): HeldGeneration[] {
    return this.hold ? this.hold.heldFor(this.source.path) : [];
  }

  private async drain(file: OpenFile): Promise<void> {
    const buffer = Buffer.alloc(READ_CHUNK_BYTES);
    for (;;) {
      const bytesRead = await readAt(file.fd, buffer, file.offset);
      if (bytesRead === 0) return;
      file.offset += bytesRead;
      // The splitter copies what it keeps, so the buffer can be reused.
      this.splitter.push(buffer.subarray(0, bytesRead));
    }
  }
}

function openAt(path: string, position: "start" | "end"): OpenFile | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const stats = fstatSync(fd);
  return { fd, inode: stats.ino, offset: position === "end" ? stats.size : 0 };
}

function statIfExists(path: string): { ino: number } | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function readAt(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
  });
}
