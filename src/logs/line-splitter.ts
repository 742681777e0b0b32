// Turns a stream of byte chunks into complete text lines. Splitting happens on bytes, not on
// decoded text, so a chunk boundary inside a multi-byte UTF-8 character never corrupts it.

export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export type LineHandler = (line: string) => void;

export interface LineSplitterOptions {
  /** Longer lines are emitted in pieces of at most this many bytes, so one runaway line cannot exhaust memory. */
  maxLineBytes?: number;
}

export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  /** True once a piece of the current over-long line has been emitted. */
  private insideLongLine = false;
  private readonly maxLineBytes: number;

  constructor(
    private readonly onLine: LineHandler,
    options: LineSplitterOptions = {},
  ) {
    this.maxLineBytes = Math.max(4, options.maxLineBytes ?? MAX_LINE_BYTES);
  }

  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, bytes]) : bytes;
    let start = 0;
    for (let newline = data.indexOf(NEWLINE, start); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
      this.emitCompleteLine(data.subarray(start, newline));
      start = newline + 1;
    }
    let rest = data.subarray(start);
    // Strictly longer than the cap: a line of exactly maxLineBytes may still end with the next chunk.
    while (rest.length > this.maxLineBytes) {
      const cut = characterBoundaryAtOrBefore(rest, this.maxLineBytes);
      this.emitPiece(rest.subarray(0, cut));
      rest = rest.subarray(cut);
    }
    // Copy, so a small remainder does not keep a large chunk alive.
    this.pending = Buffer.from(rest);
  }

  /** Emits a trailing line that never got its newline (the process exited mid-line). */
  flush(): void {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    if (rest.length > 0) this.emitCompleteLine(rest);
    this.insideLongLine = false;
  }

  private emitCompleteLine(line: Buffer): void {
    let rest = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.subarray(0, -1) : line;
    while (rest.length > this.maxLineBytes) {
      const cut = characterBoundaryAtOrBefore(rest, this.maxLineBytes);
      this.emitPiece(rest.subarray(0, cut));
      rest = rest.subarray(cut);
    }
    // A long line that ended exactly on a piece boundary has nothing left to say.
    if (rest.length > 0 || !this.insideLongLine) this.onLine(rest.toString("utf8"));
    this.insideLongLine = false;
  }

  private emitPiece(piece: Buffer): void {
    this.insideLongLine = true;
    this.onLine(piece.toString("utf8"));
  }
}

/** The largest cut ≤ limit that does not fall inside a UTF-8 character (continuation bytes are 10xxxxxx). */
function characterBoundaryAtOrBefore(bytes: Buffer, limit: number): number {
  let cut = limit;
  while (cut > limit - 4 && cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  // Not valid UTF-8 around the cut: any cut is as good as another.
  return cut > 0 && ((bytes[cut] ?? 0) & 0xc0) !== 0x80 ? cut : limit;
}
