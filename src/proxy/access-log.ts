import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

export interface AccessRecord {
  time: string;
  requestId: string;
  client: string;
  method: string;
  host: string;
  path: string;
  status: number;
  bytes: number;
  durationMs: number;
  upstream: string | null;
  userAgent: string | null;
}

/** Lines are gathered for this long, then written in one go: one write per request was a measurable cost. */
const FLUSH_INTERVAL_MS = 50;

/**
 * One JSON line per request, per stack. Several worker processes append to the same file: each
 * batch of whole lines is a single write to a file opened with O_APPEND, which the kernel keeps whole.
 */
export class AccessLogs {
  private readonly streams = new Map<string, WriteStream>();
  private readonly pending = new Map<string, string[]>();
  private timer: NodeJS.Timeout | null = null;

  write(path: string, record: AccessRecord): void {
    let lines = this.pending.get(path);
    if (!lines) {
      lines = [];
      this.pending.set(path, lines);
    }
    lines.push(JSON.stringify(record) + "\n");
    this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  flush(): void {
    this.timer = null;
    for (const [path, lines] of this.pending) this.streamFor(path).write(lines.join(""));
    this.pending.clear();
  }

  /** Writes what is pending and closes the files (a worker stopping). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    await Promise.all([...this.streams.values()].map((stream) => new Promise((resolve) => stream.end(resolve))));
    this.streams.clear();
  }

  private streamFor(path: string): WriteStream {
    let stream = this.streams.get(path);
    if (!stream) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      stream = createWriteStream(path, { flags: "a", mode: 0o600 });
      stream.on("error", () => this.streams.delete(path));
      this.streams.set(path, stream);
    }
    return stream;
  }
}
