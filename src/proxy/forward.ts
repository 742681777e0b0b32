import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { formatBytes } from "../util/format-bytes.js";
import { sendErrorPage } from "./error-pages.js";
import { clientResponseHeaders } from "./headers.js";
import type { ProxyLimits } from "./types.js";
import { targetKey, type Upstreams } from "./upstreams.js";

/** RFC 9110 §9.2.2; only retried when the request has no body, so nothing was consumed. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
/** Errors that mean the upstream never took the request (refused, or a keep-alive socket it had closed). */
const RETRYABLE_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE"]);

export interface ForwardRequest {
  upstreams: Upstreams;
  pool: string;
  headers: OutgoingHttpHeaders;
  limits: ProxyLimits;
  requestId: string;
  /** Extra headers for the client (HSTS, request id). */
  responseHeaders: OutgoingHttpHeaders;
  onFinish: (status: number, upstream: string | null) => void;
}

/** Streams the request to one ready replica and its response back, both ways without buffering whole bodies. */
export function forwardRequest(request: IncomingMessage, response: ServerResponse, forward: ForwardRequest): void {
  const declaredLength = request.headers["content-length"];
  if (declaredLength !== undefined && Number(declaredLength) > forward.limits.maxBodyBytes) {
    // Refused before a byte of the body is read: the client may have more to send, so close after.
    refuseTooLarge(response, forward);
    return;
  }
  const hasBody = (declaredLength !== undefined && declaredLength !== "0") || request.headers["transfer-encoding"] !== undefined;
  const retryable = !hasBody && IDEMPOTENT_METHODS.has(request.method ?? "GET");
  attempt(request, response, forward, hasBody, retryable, new Set());
}

function attempt(
  request: IncomingMessage,
  response: ServerResponse,
  forward: ForwardRequest,
  hasBody: boolean,
  retryable: boolean,
  failed: Set<string>,
): void {
  const target = forward.upstreams.pick(forward.pool, failed);
  if (!target) {
    const status = failed.size > 0 ? 502 : 503;
    sendErrorPage(response, status, forward.requestId);
    forward.onFinish(status, null);
    return;
  }
  const upstreamName = targetKey(target);
  let answered = false;
  const upstreamRequest = httpRequest({
    host: target.host,
    port: target.port,
    method: request.method,
    path: request.url,
    headers: forward.headers,
    agent: forward.upstreams.agentFor(target),
  });
  const timer = setTimeout(() => {
    upstreamRequest.destroy();
    if (answered) return;
    answered = true;
    sendErrorPage(response, 504, forward.requestId);
    forward.onFinish(504, upstreamName);
  }, forward.limits.upstreamTimeoutMs);

  upstreamRequest.on("response", (upstreamResponse) => {
    clearTimeout(timer);
    if (answered) return upstreamResponse.resume();
    answered = true;
    const status = upstreamResponse.statusCode ?? 502;
    response.writeHead(status, { ...clientResponseHeaders(upstreamResponse.headers), ...forward.responseHeaders });
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
      response.destroy();
      return;
    }
    if (retryable && RETRYABLE_ERRORS.has(error.code ?? "")) {
      failed.add(upstreamName);
      attempt(request, response, forward, hasBody, retryable, failed);
      return;
    }
    answered = true;
    sendErrorPage(response, 502, forward.requestId);
    forward.onFinish(502, upstreamName);
  });

  response.on("close", () => {
    if (!response.writableFinished) upstreamRequest.destroy();
  });

  if (!hasBody) {
    upstreamRequest.end();
    return;
  }
  pipeBodyWithLimit(request, response, upstreamRequest, forward, () => {
    answered = true;
    clearTimeout(timer);
  });
}

/** Chunked bodies have no declared length: count as they stream and stop at the limit. */
function pipeBodyWithLimit(
  request: IncomingMessage,
  response: ServerResponse,
  upstreamRequest: ReturnType<typeof httpRequest>,
  forward: ForwardRequest,
  markAnswered: () => void,
): void {
  let received = 0;
  request.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received <= forward.limits.maxBodyBytes) return;
    request.unpipe(upstreamRequest);
    upstreamRequest.destroy();
    if (!response.headersSent) {
      markAnswered();
      refuseTooLarge(response, forward);
    }
    // Stop reading the rest; the 413 goes out, then the connection closes.
    request.pause();
    response.once("finish", () => request.socket.destroy());
  });
  request.pipe(upstreamRequest);
}

function refuseTooLarge(response: ServerResponse, forward: ForwardRequest): void {
  sendErrorPage(response, 413, forward.requestId, `The limit is ${formatBytes(forward.limits.maxBodyBytes)}.`);
  forward.onFinish(413, null);
}
