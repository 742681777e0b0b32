import { hostWithoutPort } from "./router.js";
import type { RedirectRule } from "./types.js";

export interface RedirectAnswer {
  status: number;
  location: string;
}

export interface RedirectRequest {
  protocol: "http" | "https";
  /** The Host header as sent (validated), with its port if any. */
  host: string;
  /** Path and query, as in the request line. */
  url: string;
  /** Whether plain HTTP requests to this site go to HTTPS: a host redirect then goes there in one hop. */
  redirectHttp: boolean;
  httpsPort: number;
}

/**
 * `proxy.redirects`: the first rule that matches answers. A host rule (`from: www.example.org`)
 * sends the whole request to another host, path and query kept; a path rule (`from: /old/`)
 * replaces that prefix of the path, query kept. `to` may also be an absolute URL.
 */
export function findRedirect(rules: readonly RedirectRule[], request: RedirectRequest): RedirectAnswer | null {
  const host = hostWithoutPort(request.host).toLowerCase();
  const queryAt = request.url.indexOf("?");
  const path = queryAt >= 0 ? request.url.slice(0, queryAt) : request.url;
  const query = queryAt >= 0 ? request.url.slice(queryAt) : "";
  for (const rule of rules) {
    if (rule.fromHost !== undefined && rule.fromHost === host) {
      return { status: rule.status, location: isAbsoluteUrl(rule.to) ? `${rule.to.replace(/\/$/, "")}${request.url}` : `${origin(rule.to, request)}${request.url}` };
    }
    if (rule.fromPath !== undefined && pathHasPrefix(path, rule.fromPath)) {
      return { status: rule.status, location: `${rule.to}${path.slice(rule.fromPath.length)}${query}` };
    }
  }
  return null;
}

/** The target host on the scheme and port the client will use: HTTPS at once when plain HTTP would be redirected there anyway. */
function origin(targetHost: string, request: RedirectRequest): string {
  if (request.protocol === "http" && request.redirectHttp) return `https://${targetHost}${request.httpsPort === 443 ? "" : `:${request.httpsPort}`}`;
  const port = portOf(request.host);
  return `${request.protocol}://${targetHost}${port === null ? "" : `:${port}`}`;
}

function portOf(host: string): string | null {
  const bare = hostWithoutPort(host);
  return host.length > bare.length + 1 ? host.slice(bare.length + 1) : null;
}

function isAbsoluteUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/** "/old" matches "/old" and "/old/x", not "/older"; "/old/" matches what starts with it. */
function pathHasPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith("/")) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}
