import { Transform, type TransformCallback } from "node:stream";

/**
 * Relays a websocket's server → client bytes while following its frame boundaries (RFC 6455 §5.2:
 * 2 bytes, then 2 or 8 bytes of extended length, 4 bytes of mask if set, then the payload), so that
 * the proxy can stop at the end of a frame and send its own close frame without cutting one in two.
 * Only headers are read; payloads pass through untouched.
 */
export class FrameBoundaryRelay extends Transform {
  private header: number[] = [];
  private payloadLeft = 0;
  private stopRequested: (() => void) | null = null;
  private stopped = false;

  /** Resolves once the relay stands between two frames and passes nothing more. */
  stopAtBoundary(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.atBoundary()) {
      this.stopped = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.stopRequested = resolve));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.stopped) return callback();
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - offset);
        offset += take;
        this.payloadLeft -= take;
      } else {
        this.header.push(chunk[offset]!);
        offset += 1;
        const length = headerLength(this.header);
        if (length !== null && this.header.length === length) {
          this.payloadLeft = payloadLength(this.header);
          this.header = [];
        }
      }
      if (this.stopRequested && this.atBoundary()) {
        this.push(chunk.subarray(0, offset));
        this.stopped = true;
        this.stopRequested();
        this.stopRequested = null;
        return callback();
      }
    }
    callback(null, chunk);
  }

  private atBoundary(): boolean {
    return this.header.length === 0 && this.payloadLeft === 0;
  }
}

/** The whole header's length once its first two bytes are known, else null. */
function headerLength(header: number[]): number | null {
  if (header.length < 2) return null;
  const lengthCode = header[1]! & 0x7f;
  const masked = (header[1]! & 0x80) !== 0;
  return 2 + (lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0) + (masked ? 4 : 0);
}

function payloadLength(header: number[]): number {
  const lengthCode = header[1]! & 0x7f;
  if (lengthCode < 126) return lengthCode;
  if (lengthCode === 126) return (header[2]! << 8) | header[3]!;
  let length = 0;
  for (let index = 2; index < 10; index++) length = length * 256 + header[index]!;
  return length;
}
