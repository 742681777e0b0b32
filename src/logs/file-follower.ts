import { closeSync, fstatSync, openSync, read } from "node:fs";
import { stat } from "node:fs/promises";
import { LineSplitter } from "./line-splitter.js";
import { parseLogLine, type LabeledLine } from "./log-line.js";
import { MAX_STORED_LINE_BYTES } from "./read-generation.js";

// Follows one log file by name across rotation, like `tail -F`. The writer renames the file and
// opens a new one at the same path, so a different inode at the path means "rotated"; the old
// descriptor still reads the old file, which is drained before switching to the new one from its start.

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
  private readonly splitter: LineSplitter;

  /**
   * Opens synchronously so that "lines appended after the call" means exactly that; `from: "start"`
   * delivers the lines already in the file too (a replica that appeared while following).
   */
  constructor(
    private readonly source: LogSource,
    onLine: (line: LabeledLine) => void,
    from: "start" | "end" = "end",
  ) {
    this.file = openAt(source.path, from);
    this.splitter = new LineSplitter(
      (raw) => {
        const line = parseLogLine(raw);
        if (line) onLine({ label: source.label, ...line });
      },
      { maxLineBytes: MAX_STORED_LINE_BYTES },
    );
  }

  /** Delivers whatever was appended since the last poll. Callers must not run two polls at once. */
  async poll(): Promise<void> {
    const atPath = await statIfExists(this.source.path);
    if (this.file === null) {
      // The file did not exist when following began, so everything in it is new.
      if (atPath) this.file = openAt(this.source.path, "start");
    } else if (atPath && atPath.ino !== this.file.inode) {
      await this.drain(this.file);
      this.splitter.flush();
      this.close();
      this.file = openAt(this.source.path, "start");
    } else if (fstatSync(this.file.fd).size < this.file.offset) {
      // Truncated in place (by something other than berth): start over from the top.
      this.splitter.flush();
      this.file.offset = 0;
    }
    if (this.file) await this.drain(this.file);
  }

  close(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = null;
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

async function statIfExists(path: string): Promise<{ ino: number } | null> {
  try {
    return await stat(path);
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
