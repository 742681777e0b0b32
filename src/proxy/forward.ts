import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { formatBytes } from "../util/format-bytes.js";
import { sendErrorPage } from "./error-pages.js";
import { clientResponseHeaders } from "./headers.js";
import { hasHttp2Body, isHttp2Response } from "./http2-listener.js";
import { clientResponseRawHeaders } from "./raw-headers.js";
import type { ProxyLimits } from "./types.js";
import { targetKey, type Upstreams } from "./upstreams.js";

/** RFC 9110 §9.2.2: repeating these has the same effect as sending them once. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
/** A keep-alive connection the upstream closed meanwhile: the request may or may not have been read. */
const STALE_CONNECTION_ERRORS = new Set(["ECONNRESET", "EPIPE"]);
/**
 * How long a request body may stall between two reads before the request gets 408 and its
 * upstream request is aborted (nginx's client_body_timeout is 60 s). Without it a few slow
 * uploads hold every worker of a synchronous app (gunicorn sync workers read the body themselves).
 */
export const BODY_IDLE_TIMEOUT_MS = 30_000;

export interface ForwardRequest {
  upstreams: Upstreams;
  pool: string;
  /** For the app: an object, or a raw array (raw-headers.ts). */
  headers: OutgoingHttpHeaders | string[];
  limits: ProxyLimits;
  requestId: string;
  /** Extra headers for the client (HSTS, request id). */
  responseHeaders: OutgoingHttpHeaders;
  onFinish: (status: number, upstream: string | null) => void;
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
  attempt(request, response, forward, { hasBody, idempotent: IDEMPOTENT_METHODS.has(request.method ?? "GET"), holdUntil }, new Set());
}

/**
 * No replica can take the request (none is ready, or each one tried refused it): it waits, up to
 * `proxy.hold` after it arrived, for a table with a replica in the pool, then tries again from
 * scratch: a one-replica app restarting after a crash costs its clients a delay, not an error.
 */
function holdThenRetry(request: IncomingMessage, response: ServerResponse, forward: ForwardRequest, shape: RequestShape, failed: Set<string>): void {
  const abandoned = new AbortController();
  const onClose = () => abandoned.abort();
  response.once("close", onClose);
  void forward.upstreams.waitForTargets(forward.pool, shape.holdUntil, abandoned.signal).then((found) => {
    response.off("close", onClose);
    if (response.destroyed) return;
    if (found) return attempt(request, response, forward, shape, new Set());
    const status = failed.size > 0 ? 502 : 503;
    sendErrorPage(response, status, forward.requestId);
    forward.onFinish(status, null);
  });
}

/**
 * One try on one replica. A retry on another replica is safe whatever the method when nothing of
 * this request can have reached the app: the connection was refused or never opened, or the
 * socket failed before a byte of the request was written. The body is read from the client only
 * once the upstream connection is open, so a refused connection leaves it unread for the retry.
 */
function attempt(request: IncomingMessage, response: ServerResponse, forward: ForwardRequest, shape: RequestShape, failed: Set<string>): void {
  const target = forward.upstreams.pick(forward.pool, failed);
  if (!target) return holdThenRetry(request, response, forward, shape, failed);
  const upstreamName = targetKey(target);
  const release = forward.upstreams.trackRequest(target);
  let answered = false;
  let bodyStarted = false;
  let connected = false;
  /** Whether no byte of this request has been written to its socket (a reused one carries earlier requests' bytes). */
  let nothingWritten = () => true;
  const upstreamRequest = httpRequest({
    host: target.host,
    port: target.port,
    method: request.method,
    path: request.url,
    headers: forward.headers,
    agent: forward.upstreams.agentFor(target),
  });
  const markAnswered = () => {
    answered = true;
    clearTimeout(timer);
  };
  const timer = setTimeout(() => {
    upstreamRequest.destroy();
    if (answered) return;
    markAnswered();
    sendErrorPage(response, 504, forward.requestId);
    forward.onFinish(504, upstreamName);
  }, forward.limits.upstreamTimeoutMs);

  upstreamRequest.on("socket", (assigned: Socket) => {
    const bytesWrittenBefore = assigned.bytesWritten;
    nothingWritten = () => assigned.bytesWritten === bytesWrittenBefore;
    const startBody = () => {
      connected = true;
      if (!shape.hasBody || answered) return;
      bodyStarted = true;
      pipeBody(request, response, upstreamRequest, forward, upstreamName, markAnswered);
    };
    if (assigned.connecting) assigned.once("connect", startBody);
    else startBody();
  });

  upstreamRequest.on("response", (upstreamResponse) => {
    clearTimeout(timer);
    if (answered) return upstreamResponse.resume();
    answered = true;
    const status = upstreamResponse.statusCode ?? 502;
    // HTTP/2 responses take the object form, which keeps repeated Set-Cookie fields apart.
    if (isHttp2Response(response)) response.writeHead(status, { ...clientResponseHeaders(upstreamResponse.headers), ...forward.responseHeaders });
    else response.writeHead(status, clientResponseRawHeaders(upstreamResponse.rawHeaders, forward.responseHeaders));
    // Server-sent events and long polls must not wait for a first body chunk, but flushing headers
    // unconditionally costs a second write (and a second wake-up of the client) per request:
    // flush only if no body arrives within this turn of the event loop.
    const flush = setImmediate(() => response.flushHeaders());
    upstreamResponse.once("data", () => clearImmediate(flush));
    upstreamResponse.once("end", () => clearImmediate(flush));
    upstreamResponse.pipe(response);
    upstreamResponse.on("error", () => response.destroy());
    response.on("finish", () => forward.onFinish(status, upstreamName));
  });

  upstreamRequest.on("error", (error: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (answered) {
      // Our own 408/413/504 page is already complete: let it reach the client.
      if (!response.writableEnded) response.destroy();
      return;
    }
    const nothingSent = !connected || nothingWritten();
    const staleAndRepeatable = shape.idempotent && !shape.hasBody && STALE_CONNECTION_ERRORS.has(error.code ?? "");
    if (!bodyStarted && (nothingSent || staleAndRepeatable)) {
      failed.add(upstreamName);
      attempt(request, response, forward, shape, failed);
      return;
    }
    markAnswered();
    sendErrorPage(response, 502, forward.requestId);
    forward.onFinish(502, upstreamName);
  });

  upstreamRequest.once("close", release);
  response.on("close", () => {
    if (!response.writableFinished) upstreamRequest.destroy();
  });

  if (!shape.hasBody) upstreamRequest.end();
}

/**
 * Pipes the body to the upstream with two guards: chunked bodies have no declared length, so they
 * are counted as they stream and stopped at the limit; and a body that stalls for the idle
 * timeout between two reads gets 408 (RFC 9110 §15.5.9) and its upstream request is aborted.
 */
function pipeBody(
  request: IncomingMessage,
  response: ServerResponse,
  upstreamRequest: ClientRequest,
  forward: ForwardRequest,
  upstreamName: string,
  markAnswered: () => void,
): void {
  let received = 0;
  const idleTimeoutMs = forward.limits.bodyIdleTimeoutMs ?? BODY_IDLE_TIMEOUT_MS;
  const abandon = (status: 408 | 413) => {
    clearTimeout(idle);
    request.unpipe(upstreamRequest);
    upstreamRequest.destroy();
    if (!response.headersSent) {
      markAnswered();
      if (status === 413) refuseTooLarge(response, forward);
      else {
        sendErrorPage(response, 408, forward.requestId, `No part of the request body arrived for ${Math.round(idleTimeoutMs / 1000)} s.`);
        forward.onFinish(408, upstreamName);
      }
    }
    // Stop reading the rest; the answer goes out, then the connection closes.
    request.pause();
    if (response.writableFinished) request.socket.destroy();
    else response.once("finish", () => request.socket.destroy());
  };
  const idle = setTimeout(() => {
    // Waiting for the app to read what it was sent is not the client's stall.
    if (upstreamRequest.writableNeedDrain) idle.refresh();
    else abandon(408);
  }, idleTimeoutMs);
  const stopIdleTimer = () => clearTimeout(idle);
  request.once("end", stopIdleTimer);
  request.once("close", stopIdleTimer);
  response.once("close", stopIdleTimer);
  upstreamRequest.once("close", stopIdleTimer);

  request.on("data", (chunk: Buffer) => {
    idle.refresh();
    received += chunk.length;
    if (received > forward.limits.maxBodyBytes) abandon(413);
  });
  request.pipe(upstreamRequest);
}

function refuseTooLarge(response: ServerResponse, forward: ForwardRequest): void {
  sendErrorPage(response, 413, forward.requestId, `The limit is ${formatBytes(forward.limits.maxBodyBytes)}.`);
  forward.onFinish(413, null);
}
