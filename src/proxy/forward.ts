import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Dispatcher } from "undici";
import { formatBytes } from "../util/format-bytes.js";
import { sendErrorPage } from "./error-pages.js";
import { clientResponseHeaders } from "./headers.js";
import { hasHttp2Body, isHttp2Response } from "./http2-listener.js";
import { clientResponseRawHeaders, headerObject } from "./raw-headers.js";
import { RequestBody } from "./request-body.js";
import type { ProxyLimits } from "./types.js";
import { targetKey, type Upstreams } from "./upstreams.js";

/** RFC 9110 §9.2.2: repeating these has the same effect as sending them once. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
/** A keep-alive connection the upstream closed meanwhile: the request may or may not have been read. */
export const STALE_CONNECTION_ERRORS = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

export interface ForwardRequest {
  upstreams: Upstreams;
  pool: string;
  /** For the app, as a raw array (raw-headers.ts): no hop-by-hop fields, no Expect. */
  headers: string[];
  limits: ProxyLimits;
  requestId: string;
  /** Extra headers for the client (HSTS, request id), as a raw array with lower-case names. */
  responseHeaders: string[];
  /** `bodyBytes`: of the app's answer, as relayed (undefined for the proxy's own pages). */
  onFinish: (status: number, upstream: string | null, bodyBytes?: number) => void;
}

interface RequestShape {
  hasBody: boolean;
  idempotent: boolean;
  /** performance.now() past which a request with no replica to go to gets 502/503 instead of waiting. */
  holdUntil: number;
}

/** Streams the request to one ready replica and its response back, both ways without buffering whole bodies. */
export function forwardRequest(request: IncomingMessage, response: ServerResponse, forward: ForwardRequest): void {
  const declaredLength = request.headers["content-length"];
  if (declaredLength !== undefined && Number(declaredLength) > forward.limits.maxBodyBytes) {
    // Refused before a byte of the body is read: the client may have more to send, so close after.
    refuseTooLarge(response, forward);
    return;
  }
  const hasBody = (declaredLength !== undefined && declaredLength !== "0") || request.headers["transfer-encoding"] !== undefined || hasHttp2Body(request);
  const holdUntil = performance.now() + (forward.limits.holdMs ?? 0);
  attempt(request, response, forward, { hasBody, idempotent: IDEMPOTENT_METHODS.has(request.method ?? "GET"), holdUntil }, null);
}

/**
 * No replica can take the request (none is ready, or each one tried refused it): it waits, up to
 * `proxy.hold` after it arrived, for a table with a replica in the pool, then tries again from
 * scratch: a one-replica app restarting after a crash costs its clients a delay, not an error.
 */
function holdThenRetry(request: IncomingMessage, response: ServerResponse, forward: ForwardRequest, shape: RequestShape, failed: Set<string> | null): void {
  void forward.upstreams.waitForTargets(forward.pool, shape.holdUntil, response).then((outcome) => {
    if (outcome === "gone") return;
    if (outcome === "found") return attempt(request, response, forward, shape, null);
    const status = failed !== null ? 502 : 503;
    sendErrorPage(response, status, forward.requestId);
    forward.onFinish(status, null);
  });
}

/** One try on one replica (see Exchange); `failed`: the replicas this request was refused by, if any. */
function attempt(request: IncomingMessage, response: ServerResponse, forward: ForwardRequest, shape: RequestShape, failed: Set<string> | null): void {
  const target = forward.upstreams.pick(forward.pool, failed ?? undefined);
  if (!target) return holdThenRetry(request, response, forward, shape, failed);
  const upstreamName = targetKey(target);
  const exchange = new Exchange(request, response, forward, shape, failed, upstreamName, forward.upstreams.trackRequest(target));
  // The body is read from the client only once undici writes the request on an open connection,
  // so a refused connection leaves it unread for the retry.
  const body = shape.hasBody ? new RequestBody(request, forward.limits, (status, idleTimeoutMs) => exchange.abandon(status, idleTimeoutMs)) : null;
  exchange.body = body;
  forward.upstreams.connectionsTo(target).dispatch(
    {
      path: request.url ?? "/",
      method: (request.method ?? "GET") as Dispatcher.HttpMethod,
      headers: forward.headers,
      // Dispatcher.md lists async iterables as bodies; the type declarations leave them out.
      body: body as unknown as Dispatcher.DispatchOptions["body"],
      headersTimeout: forward.limits.upstreamTimeoutMs,
      // Server-sent events and long polls may go quiet for as long as they like.
      bodyTimeout: 0,
    },
    exchange,
  );
}

/**
 * One request to one replica, as undici's dispatch handler (its core calls these hooks directly,
 * with the raw header list). A retry on another replica is safe whatever the method when nothing of
 * this request can have reached the app: the connection was refused or never opened (an error
 * before onConnect); a GET-like request without a body is also retried when a reused keep-alive
 * connection turns out to be closed.
 */
class Exchange implements Dispatcher.DispatchHandler {
  body: RequestBody | null = null;
  private abort: ((error?: Error) => void) | null = null;
  /** What the client gets: nothing yet, the app's answer, or the proxy's own page (408/413/502/504). */
  private answer: "none" | "app" | "own" = "none";
  private abandoned = false;
  private status = 502;
  /** Whether a body chunk (or the end) came after the headers: then they went out with it. */
  private bodySeen = false;
  private bodyBytes = 0;
  private resumeUpstream: (() => void) | null = null;
  constructor(
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly forward: ForwardRequest,
    private readonly shape: RequestShape,
    private readonly failed: Set<string> | null,
    private readonly upstreamName: string,
    private readonly release: () => void,
  ) {
    watchClient(request, response, this);
  }

  /** The client has its whole answer. */
  get settled(): boolean {
    return this.response.writableFinished;
  }

  /** The client closed its connection (or reset its HTTP/2 stream) before its answer was sent. */
  clientGone(): void {
    if (this.response.writableFinished) return;
    this.abandoned = true;
    this.abort?.();
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abort = abort;
    if (this.abandoned) abort();
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // Informational answers (103 Early Hints) are not passed on; the final one follows.
    if (this.answer !== "none" || status < 200) return true;
    this.answer = "app";
    this.status = status;
    const response = this.response;
    const raw = new Array<string>(rawHeaders.length);
    let sized = false;
    for (let index = 0; index < rawHeaders.length; index += 2) {
      const name = rawHeaders[index]!.toString("latin1");
      raw[index] = name;
      raw[index + 1] = rawHeaders[index + 1]!.toString("latin1");
      if (name.length === 14 && name.toLowerCase() === "content-length") sized = true;
    }
    // HTTP/2 responses take the object form, which keeps repeated Set-Cookie fields apart.
    if (isHttp2Response(response)) response.writeHead(status, { ...clientResponseHeaders(headerObject(raw)), ...headerObject(this.forward.responseHeaders) });
    else response.writeHead(status, clientResponseRawHeaders(raw, this.forward.responseHeaders));
    this.resumeUpstream = resume;
    // Server-sent events and long polls (no Content-Length) must not wait for a first body chunk,
    // but flushing headers on their own costs a second write (and a second wake-up of the client):
    // flush only if no body came in the same read from the upstream (undici parses it all before
    // the microtask runs). A sized body is on its way and takes the headers with it.
    if (!sized) {
      queueMicrotask(() => {
        if (!this.bodySeen && !response.destroyed) response.flushHeaders();
      });
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bodySeen = true;
    this.bodyBytes += chunk.length;
    const response = this.response;
    // Writing after our own page ended the response would be an unhandled error.
    if (this.answer !== "app" || response.writableEnded || response.destroyed) return true;
    if (response.write(chunk)) return true;
    // The client reads slower than the app writes: the upstream socket waits until it catches up.
    response.once("drain", this.resumeUpstream!);
    return false;
  }

  onComplete(): void {
    this.bodySeen = true;
    this.release();
    if (this.abandoned || this.answer !== "app") return;
    this.response.end();
    this.forward.onFinish(this.status, this.upstreamName, this.bodyBytes);
  }

  onError(error: NodeJS.ErrnoException): void {
    this.bodySeen = true;
    this.release();
    this.body?.stop();
    const response = this.response;
    if (this.abandoned) return;
    if (this.answer !== "none") {
      // The app's response broke off midway, or our own 408/413 page is on its way: the client gets what it got.
      if (response.headersSent && !response.writableEnded) response.destroy();
      return;
    }
    if (error.code === "UND_ERR_INVALID_ARG" || error.code === "UND_ERR_NOT_SUPPORTED") {
      // A request undici will not send (a header it refuses): no replica would take it.
      this.answer = "own";
      sendErrorPage(response, 502, this.forward.requestId);
      this.forward.onFinish(502, null);
      return;
    }
    const nothingSent = this.abort === null;
    const staleAndRepeatable = this.shape.idempotent && !this.shape.hasBody && STALE_CONNECTION_ERRORS.has(error.code ?? "");
    if (!this.body?.started && (nothingSent || staleAndRepeatable)) {
      const failed = this.failed ?? new Set<string>();
      failed.add(this.upstreamName);
      attempt(this.request, response, this.forward, this.shape, failed);
      return;
    }
    this.answer = "own";
    const status = error.code === "UND_ERR_HEADERS_TIMEOUT" ? 504 : 502;
    sendErrorPage(response, status, this.forward.requestId);
    this.forward.onFinish(status, this.upstreamName);
  }

  /**
   * The client's body broke a limit (RequestBody): the upstream request is aborted, the client gets
   * 413 or 408 if it has no answer yet, and its connection closes once that is sent.
   */
  abandon(status: 408 | 413, idleTimeoutMs: number): void {
    const response = this.response;
    const alreadyAnswered = this.answer !== "none";
    if (!alreadyAnswered) this.answer = "own";
    this.abort?.();
    if (!alreadyAnswered && !response.headersSent) {
      if (status === 413) refuseTooLarge(response, this.forward);
      else {
        sendErrorPage(response, 408, this.forward.requestId, `No part of the request body arrived for ${Math.round(idleTimeoutMs / 1000)} s.`);
        this.forward.onFinish(408, this.upstreamName);
      }
    }
    // Stop reading the rest; the answer goes out, then the connection closes.
    this.request.pause();
    if (response.writableFinished) this.request.socket.destroy();
    else response.once("finish", () => this.request.socket.destroy());
  }
}

function refuseTooLarge(response: ServerResponse, forward: ForwardRequest): void {
  sendErrorPage(response, 413, forward.requestId, `The limit is ${formatBytes(forward.limits.maxBodyBytes)}.`);
  forward.onFinish(413, null);
}

const EXCHANGES = Symbol("berth.exchanges");
type WatchedSocket = Socket & { [EXCHANGES]?: Exchange[] };

/**
 * Tells `exchange` when its client goes away. An HTTP/1.1 client can only give up on a request by
 * closing the connection, so one listener per connection serves every request on it (a listener
 * per response was a measurable cost); an HTTP/2 client may reset one stream and keep the others.
 */
function watchClient(request: IncomingMessage, response: ServerResponse, exchange: Exchange): void {
  if (isHttp2Response(response)) {
    response.once("close", () => exchange.clientGone());
    return;
  }
  const socket = request.socket as WatchedSocket;
  const watched = socket[EXCHANGES];
  if (watched === undefined) {
    socket[EXCHANGES] = [exchange];
    socket.once("close", () => {
      for (const each of socket[EXCHANGES]!) each.clientGone();
    });
  } else if (watched.length === 1 && watched[0]!.settled) {
    watched[0] = exchange;
  } else {
    // Pipelined requests (or a retry) share the connection: each one still open is told.
    socket[EXCHANGES] = [...watched.filter((each) => !each.settled), exchange];
  }
}
