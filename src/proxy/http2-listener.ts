import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { Server as HttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";

/** Offered in this order by ALPN (RFC 7301): browsers get HTTP/2, anything else HTTP/1.1. */
export const ALPN_PROTOCOLS = ["h2", "http/1.1"];

export interface Http2Limits {
  maxHeaderBytes: number;
  idleTimeoutMs: number;
}

/**
 * Serves HTTP/2 (RFC 9113) on `https`'s TLS connections whose client chose "h2"; the others keep
 * node's HTTP/1.1 server, its keep-alive, header limits and slowloris checks, unchanged.
 * WebSockets stay on HTTP/1.1: the extended CONNECT of RFC 8441 is not offered, so browsers open
 * a separate HTTP/1.1 connection for them. The handler gets node's compatibility objects, whose
 * `headers.host` is filled from `:authority` (RFC 9113 §8.3.1) when the client sent no Host.
 */
export function serveHttp2(https: HttpsServer, limits: Http2Limits, handle: (request: IncomingMessage, response: ServerResponse) => void): void {
  const http2 = createHttp2Server({ settings: { maxHeaderListSize: limits.maxHeaderBytes, enableConnectProtocol: false } });
  http2.setTimeout(limits.idleTimeoutMs);
  http2.on("request", (request: Http2ServerRequest, response: Http2ServerResponse) => {
    if (request.headers.host === undefined && request.authority) request.headers.host = request.authority;
    handle(request as unknown as IncomingMessage, response as unknown as ServerResponse);
  });
  http2.on("sessionError", () => {});
  const http1 = https.listeners("secureConnection") as ((socket: TLSSocket) => void)[];
  https.removeAllListeners("secureConnection");
  https.on("secureConnection", (socket: TLSSocket) => {
    if (socket.alpnProtocol === "h2") http2.emit("connection", socket);
    else for (const listener of http1) listener.call(https, socket);
  });
}

/** Whether a response goes out on an HTTP/2 stream, where connection-specific headers are forbidden (RFC 9113 §8.2.2). */
export function isHttp2Response(response: ServerResponse): boolean {
  return (response as unknown as { stream?: unknown }).stream !== undefined;
}

/** Whether an HTTP/2 request has a body: its HEADERS frame did not end the stream (RFC 9113 §8.1). Length and chunking are HTTP/1.1 ideas. */
export function hasHttp2Body(request: IncomingMessage): boolean {
  const stream = (request as unknown as { stream?: { endAfterHeaders: boolean } }).stream;
  return stream !== undefined && !stream.endAfterHeaders;
}
