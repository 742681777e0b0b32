import type { IncomingHttpHeaders } from "node:http";
import { connectionTokens, FORWARDING_HEADERS, forwardedNode, hasUnderscore, HOP_BY_HOP, quoteIfNeeded, type ForwardingContext } from "./headers.js";

// The rules of headers.ts on node's flat raw header arrays ([name, value, name, value, …]), for
// the proxied hot path: building and reading header objects both ways was about a third of the
// proxy's CPU per request (bench/proxy). Repeated fields stay separate lines, as the client sent them.

/** Request headers for the upstream, as a raw array; the same rules as upstreamRequestHeaders (plain requests, not upgrades). */
export function upstreamRequestRawHeaders(raw: readonly string[], context: ForwardingContext, dropAuthorization = false): string[] {
  const named = connectionTokens(joinedField(raw, "connection"));
  const out: string[] = [];
  const prior: Record<string, string[]> | null = context.peerTrusted ? {} : null;
  let sawHost = false;
  for (let index = 0; index < raw.length; index += 2) {
    const original = raw[index]!;
    const name = original.toLowerCase();
    const value = raw[index + 1]!;
    if (HOP_BY_HOP.has(name) || named.has(name) || hasUnderscore(name) || name.charCodeAt(0) === 58 /* ":" pseudo-header */) continue;
    if (FORWARDING_HEADERS.has(name) || name === "x-request-id") {
      if (prior) (prior[name] ??= []).push(value);
      continue;
    }
    if (dropAuthorization && name === "authorization") continue;
    // node answered "100 Continue" to the client already; the app's own would be one too many (and undici refuses to send it).
    if (name === "expect") continue;
    if (name === "host") {
      // RFC 9112 §3.2: one Host; the handler already refused requests with more.
      if (sawHost) continue;
      sawHost = true;
    }
    out.push(original, value);
  }
  if (!sawHost && context.host !== "") out.push("host", context.host);
  const trusted = (name: string): string | undefined => (prior?.[name] ? prior[name]!.join(", ") : undefined);
  const priorFor = trusted("x-forwarded-for");
  out.push("x-forwarded-for", priorFor ? `${priorFor}, ${context.clientAddress}` : context.clientAddress);
  out.push("x-forwarded-proto", trusted("x-forwarded-proto") ?? context.protocol);
  out.push("x-forwarded-host", trusted("x-forwarded-host") ?? context.host);
  out.push("x-real-ip", trusted("x-real-ip") ?? context.clientAddress);
  const element = forwardedElement(context);
  const priorForwarded = trusted("forwarded");
  out.push("forwarded", priorForwarded ? `${priorForwarded}, ${element}` : element);
  out.push("x-request-id", trusted("x-request-id") ?? context.requestId);
  return out;
}

let lastElement = { clientAddress: "", host: "", protocol: "", text: "" };

/** RFC 7239's element for this hop; a keep-alive client sends the same one request after request, so the last is kept. */
function forwardedElement(context: ForwardingContext): string {
  const last = lastElement;
  if (last.clientAddress === context.clientAddress && last.host === context.host && last.protocol === context.protocol) return last.text;
  const text = `for=${forwardedNode(context.clientAddress)};host=${quoteIfNeeded(context.host)};proto=${context.protocol}`;
  lastElement = { clientAddress: context.clientAddress, host: context.host, protocol: context.protocol, text };
  return text;
}

/**
 * Response headers for the client as a raw array: hop-by-hop ones removed, then `extra` (the
 * proxy's own, as a raw array with lower-case names: request id, HSTS) replacing the app's.
 */
export function clientResponseRawHeaders(raw: readonly string[], extra: readonly string[]): string[] {
  const named = connectionTokens(joinedField(raw, "connection"));
  const out: string[] = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || namesField(extra, name)) continue;
    out.push(raw[index]!, raw[index + 1]!);
  }
  for (let index = 0; index < extra.length; index++) out.push(extra[index]!);
  return out;
}

/** The values of every `name` field (lower-case, not a pseudo-header) joined by ", ", or undefined. */
function joinedField(raw: readonly string[], name: string): string | undefined {
  let joined: string | undefined;
  for (let index = 0; index < raw.length; index += 2) {
    const field = raw[index]!;
    if (field.length === name.length && field.toLowerCase() === name) joined = joined === undefined ? raw[index + 1] : `${joined}, ${raw[index + 1]}`;
  }
  return joined;
}

function namesField(raw: readonly string[], name: string): boolean {
  for (let index = 0; index < raw.length; index += 2) if (raw[index] === name) return true;
  return false;
}

/** A raw list as node's header object: names lower-cased, Set-Cookie as a list, other repeats joined by ", ". */
export function headerObject(raw: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!.toLowerCase();
    const value = raw[index + 1]!;
    const existing = headers[name];
    if (name === "set-cookie") headers[name] = Array.isArray(existing) ? [...existing, value] : [value];
    else headers[name] = existing === undefined ? value : `${existing as string}, ${value}`;
  }
  return headers;
}
