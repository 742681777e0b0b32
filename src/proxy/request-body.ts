import type { IncomingMessage } from "node:http";
import type { ProxyLimits } from "./types.js";

/**
 * How long a request body may stall between two reads before the request gets 408 and its
 * upstream request is aborted (nginx's client_body_timeout is 60 s). Without it a few slow
 * uploads hold every worker of a synchronous app (gunicorn sync workers read the body themselves).
 */
export const BODY_IDLE_TIMEOUT_MS = 30_000;

/**
 * The client's request body as the async iterable undici sends: undici starts it only when it
 * writes the request on an open connection, so a body is never read for a replica that refused
 * the connection. One chunk is read ahead; the client is paused until undici wants the next.
 * Two guards: a body past `maxBodyBytes` (chunked bodies declare no length) gets 413, and one that
 * stalls for the idle timeout while undici waits for it gets 408 (RFC 9110 §15.5.9) — waiting for
 * the app to read what it was sent is not the client's stall.
 */
export class RequestBody implements AsyncIterable<Buffer> {
  /** Whether undici began sending it: from then on the request cannot go to another replica. */
  started = false;
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private received = 0;
  private idle: NodeJS.Timeout | null = null;
  private readonly idleTimeoutMs: number;

  constructor(
    private readonly request: IncomingMessage,
    private readonly limits: ProxyLimits,
    private readonly onLimit: (status: 408 | 413, idleTimeoutMs: number) => void,
  ) {
    this.idleTimeoutMs = limits.bodyIdleTimeoutMs ?? BODY_IDLE_TIMEOUT_MS;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    this.start();
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk) {
          yield chunk;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.request.resume();
        });
      }
    } finally {
      this.stop();
    }
  }

  /** Ends the iteration (the exchange failed or was abandoned) and its timer. */
  stop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.failure ??= new Error("request body abandoned");
    this.wakeIterator();
  }

  private start(): void {
    this.started = true;
    const request = this.request;
    this.idle = setTimeout(() => this.onIdle(), this.idleTimeoutMs);
    request.on("data", (chunk: Buffer) => {
      // Stopped (the exchange failed or was abandoned): node discards the rest of the body after the answer.
      if (this.failure) return;
      this.idle?.refresh();
      this.received += chunk.length;
      if (this.received > this.limits.maxBodyBytes) {
        this.stop();
        this.onLimit(413, this.idleTimeoutMs);
        return;
      }
      this.chunks.push(chunk);
      request.pause();
      this.wakeIterator();
    });
    request.once("end", () => {
      this.ended = true;
      if (this.idle) clearTimeout(this.idle);
      this.wakeIterator();
    });
    request.once("close", () => {
      if (!this.ended) this.failure ??= new Error("the client closed the connection before its request body ended");
      if (this.idle) clearTimeout(this.idle);
      this.wakeIterator();
    });
  }

  private onIdle(): void {
    if (this.wake === null) {
      // undici is not asking for more: the app is slow to read what it was sent.
      this.idle?.refresh();
      return;
    }
    this.stop();
    this.onLimit(408, this.idleTimeoutMs);
  }

  private wakeIterator(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
