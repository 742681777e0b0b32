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

/**
 * One JSON line per request, per stack. Several worker processes append to the same file: each
 * line is a single write to a file opened with O_APPEND, which the kernel keeps whole.
 */
export class AccessLogs {
  private readonly streams = new Map<string, WriteStream>();

  write(path: string, record: AccessRecord): void {
    let stream = this.streams.get(path);
    if (!stream) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      stream = createWriteStream(path, { flags: "a", mode: 0o600 });
      stream.on("error", () => this.streams.delete(path));
      this.streams.set(path, stream);
    }
    stream.write(JSON.stringify(record) + "\n");
  }
}
