import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

// RFC 9110 §7.6.1: these apply to one connection only and must not be forwarded, nor may any
// header the Connection header names. Proxy-Connection is the pre-standard spelling some clients send.
export const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

export const FORWARDING_HEADERS: ReadonlySet<string> = new Set(["forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip"]);

// CGI-style gateways (WSGI, Rack, PHP) turn both "-" and "_" into "_": `X_Forwarded_For` and
// `X-Forwarded-For` both become HTTP_X_FORWARDED_FOR, and whichever comes last wins. The proxy
// cannot know every header the app trusts (an auth proxy's `X-Remote-User`, say), so, like nginx's
// default `underscores_in_headers off`, every header name with an underscore is dropped rather
// than only those that collide with the forwarding headers set here. Real clients do not send them.
export function hasUnderscore(name: string): boolean {
  return name.includes("_");
}

export interface ForwardingContext {
  clientAddress: string;
  /** Whether the peer is a configured trusted proxy, whose forwarding headers are kept and extended. */
  peerTrusted: boolean;
  protocol: "http" | "https";
  host: string;
  requestId: string;
}

/** Request headers for the upstream: hop-by-hop and underscored names removed, forwarding headers set (RFC 7239 and the X-Forwarded-* de-facto set). */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, context: ForwardingContext, keepUpgrade = false): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const named = connectionTokens(incoming.connection);
  for (const [name, value] of Object.entries(incoming)) {
    // HTTP/2 pseudo-headers (:method, :path, :authority, :scheme) are not headers of the HTTP/1.1 request to the app.
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || hasUnderscore(name) || name.startsWith(":")) continue;
    if (!context.peerTrusted && FORWARDING_HEADERS.has(name)) continue;
    headers[name] = value;
  }
  if (keepUpgrade && incoming.upgrade) {
    headers.connection = "upgrade";
    headers.upgrade = incoming.upgrade;
  }
  const priorFor = context.peerTrusted ? joinHeader(incoming["x-forwarded-for"]) : "";
  headers["x-forwarded-for"] = priorFor ? `${priorFor}, ${context.clientAddress}` : context.clientAddress;
  headers["x-forwarded-proto"] = context.peerTrusted && incoming["x-forwarded-proto"] ? incoming["x-forwarded-proto"] : context.protocol;
  headers["x-forwarded-host"] = context.peerTrusted && incoming["x-forwarded-host"] ? incoming["x-forwarded-host"] : context.host;
  headers["x-real-ip"] = context.peerTrusted && incoming["x-real-ip"] ? incoming["x-real-ip"] : context.clientAddress;
  const element = `for=${forwardedNode(context.clientAddress)};host=${quoteIfNeeded(context.host)};proto=${context.protocol}`;
  const priorForwarded = context.peerTrusted ? joinHeader(incoming.forwarded) : "";
  headers.forwarded = priorForwarded ? `${priorForwarded}, ${element}` : element;
  headers["x-request-id"] = context.peerTrusted && incoming["x-request-id"] ? incoming["x-request-id"] : context.requestId;
  return headers;
}

/** Response headers for the client, with hop-by-hop ones removed. */
export function clientResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const named = connectionTokens(incoming.connection);
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

const NO_TOKENS: ReadonlySet<string> = new Set();

export function connectionTokens(connection: string | undefined): ReadonlySet<string> {
  if (!connection) return NO_TOKENS;
  return new Set(connection.split(",").map((token) => token.trim().toLowerCase()).filter(Boolean));
}

export function joinHeader(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

/** RFC 7239 §6: IPv6 nodes are bracketed and quoted. */
export function forwardedNode(address: string): string {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return plain.includes(":") ? `"[${plain}]"` : plain;
}

export function quoteIfNeeded(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}
