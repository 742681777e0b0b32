import { request as httpRequest, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { STALE_CONNECTION_ERRORS } from "./forward.js";
import { clientResponseHeaders } from "./headers.js";
import { targetKey, type Upstreams } from "./upstreams.js";
import { FrameBoundaryRelay } from "./websocket-frames.js";

/** How long a client may keep its side open after our answer and close. */
const CLOSE_GRACE_MS = 5_000;

export interface ForwardUpgrade {
  upstreams: Upstreams;
  pool: string;
  headers: OutgoingHttpHeaders;
  upstreamTimeoutMs: number;
  /** How long to wait for a ready replica when there is none (proxy.hold). */
  holdMs?: number;
  /** Extra headers for a non-101 answer (HSTS, request id). */
  responseHeaders: OutgoingHttpHeaders;
  onFinish: (status: number, upstream: string | null) => void;
}

/**
 * Upgrades (WebSocket, RFC 6455 §4) are tunnelled only once the replica has agreed: the handshake
 * is sent as an ordinary request and its answer read. On 101 Switching Protocols (RFC 9110 §7.8,
 * §15.2.2) bytes then flow both ways untouched until either side closes. Any other answer is
 * relayed to the client as a final HTTP response and the connection closed: were it tunnelled,
 * the client could send the app further requests with any Host and forged X-Forwarded-* headers,
 * past every check of the proxy. Bytes the client sent after its handshake are held until the 101.
 */
export function forwardUpgrade(request: IncomingMessage, client: Duplex, head: Buffer, forward: ForwardUpgrade): void {
  client.on("error", () => client.destroy());
  if (hasBody(request)) {
    // RFC 6455 §4.1: the handshake is a GET without a body. A body here would reach the app
    // after the 101 as if it were protocol bytes.
    endWithStatus(client, 400, forward);
    forward.onFinish(400, null);
    return;
  }
  attemptUpgrade(request, client, head, forward, new Set(), performance.now() + (forward.holdMs ?? 0));
}

function attemptUpgrade(request: IncomingMessage, client: Duplex, head: Buffer, forward: ForwardUpgrade, failed: Set<string>, holdUntil: number): void {
  const target = forward.upstreams.pick(forward.pool, failed);
  if (!target) {
    // As for requests (forward.ts): wait up to proxy.hold for a ready replica before refusing.
    void forward.upstreams.waitForTargets(forward.pool, holdUntil, client).then((outcome) => {
      if (outcome === "gone") return;
      if (outcome === "found") return attemptUpgrade(request, client, head, forward, new Set(), holdUntil);
      const status = failed.size > 0 ? 502 : 503;
      endWithStatus(client, status, forward);
      forward.onFinish(status, null);
    });
    return;
  }
  const upstreamName = targetKey(target);
  let settled = false;
  let connected = false;
  // A connection of its own: once upgraded it belongs to this client alone.
  const upstreamRequest = httpRequest({ host: target.host, port: target.port, method: request.method, path: request.url, headers: forward.headers, agent: false });
  const settle = () => {
    settled = true;
    clearTimeout(timer);
  };
  const timer = setTimeout(() => {
    if (settled) return;
    settle();
    upstreamRequest.destroy();
    endWithStatus(client, 504, forward);
    forward.onFinish(504, upstreamName);
  }, forward.upstreamTimeoutMs);

  upstreamRequest.on("socket", (socket: Socket) => {
    if (socket.connecting) socket.once("connect", () => (connected = true));
    else connected = true;
  });

  upstreamRequest.on("upgrade", (upstreamResponse: IncomingMessage, upstream: Socket, upstreamHead: Buffer) => {
    if (settled) return upstream.destroy();
    settle();
    upstream.setNoDelay(true);
    client.write(serializeResponseHead(upstreamResponse));
    const relay = new FrameBoundaryRelay();
    if (upstreamHead.length > 0) relay.write(upstreamHead);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(relay).pipe(client);
    client.pipe(upstream);
    const closeBoth = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.once("error", closeBoth);
    upstream.once("close", () => client.destroy());
    client.once("close", () => upstream.destroy());
    forward.upstreams.trackWebsocket(target, {
      client: client as Socket,
      // The client's answer to our close frame still reaches the app, which then sees the connection end.
      stopRelaying: async () => {
        await relay.stopAtBoundary();
        upstream.unpipe(relay);
        relay.unpipe(client);
      },
    });
    forward.onFinish(101, upstreamName);
  });

  upstreamRequest.on("response", (upstreamResponse: IncomingMessage) => {
    if (settled) return upstreamResponse.destroy();
    settle();
    relayRefusal(upstreamResponse, client, forward);
    forward.onFinish(upstreamResponse.statusCode ?? 502, upstreamName);
  });

  upstreamRequest.on("error", (error: NodeJS.ErrnoException) => {
    if (settled) return;
    // Refused or never opened: nothing reached the app, so another replica may take it. Reset
    // before any answer (a replica killed as it accepted): the handshake is a GET without a body,
    // safe to repeat (RFC 9110 §9.2.2).
    if (!connected || STALE_CONNECTION_ERRORS.has(error.code ?? "")) {
      clearTimeout(timer);
      failed.add(upstreamName);
      attemptUpgrade(request, client, head, forward, failed, holdUntil);
      return;
    }
    settle();
    endWithStatus(client, 502, forward);
    forward.onFinish(502, upstreamName);
  });

  client.once("close", () => {
    if (!settled) {
      settle();
      upstreamRequest.destroy();
    }
  });
  upstreamRequest.end();
}

/** The replica's non-101 answer, as a final response on a connection that then closes. */
function relayRefusal(upstreamResponse: IncomingMessage, client: Duplex, forward: ForwardUpgrade): void {
  const status = upstreamResponse.statusCode ?? 502;
  const headers: OutgoingHttpHeaders = { ...clientResponseHeaders(upstreamResponse.headers), ...forward.responseHeaders, connection: "close" };
  // Without a Content-Length the body is delimited by the close (RFC 9112 §6.3, rule 8).
  client.write(serializeHead(status, upstreamResponse.statusMessage, headers));
  upstreamResponse.pipe(client);
  upstreamResponse.once("error", () => client.destroy());
  upstreamResponse.once("aborted", () => client.destroy());
  discardUntilClosed(client);
}

function endWithStatus(client: Duplex, status: number, forward: ForwardUpgrade): void {
  if (!client.writable) return void client.destroy();
  client.end(serializeHead(status, undefined, { ...forward.responseHeaders, connection: "close", "content-length": 0 }));
  discardUntilClosed(client);
}

/**
 * What the client sends after a refused handshake goes nowhere: it is read and dropped, so that
 * closing does not reset the connection (a reset may destroy the answer before the client reads it).
 */
function discardUntilClosed(client: Duplex): void {
  client.resume();
  client.once("finish", () => setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref());
}

function serializeHead(status: number, message: string | undefined, headers: OutgoingHttpHeaders): string {
  const lines = [`HTTP/1.1 ${status} ${sanitize(message || STATUS_CODES[status] || "")}`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${sanitize(String(item))}`);
  }
  return lines.join("\r\n") + "\r\n\r\n";
}

/** The 101 exactly as the replica wrote it: Upgrade, Connection and Sec-WebSocket-* must reach the client. */
function serializeResponseHead(response: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${response.statusCode ?? 101} ${sanitize(response.statusMessage ?? "Switching Protocols")}`];
  for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) lines.push(`${response.rawHeaders[index]}: ${sanitize(response.rawHeaders[index + 1]!)}`);
  return lines.join("\r\n") + "\r\n\r\n";
}

function sanitize(text: string): string {
  return text.replace(/[\r\n]/g, "");
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers["content-length"];
  return (length !== undefined && length !== "0") || request.headers["transfer-encoding"] !== undefined;
}
