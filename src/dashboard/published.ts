import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";

// The dashboard published on a host name reaches it through berth's proxy, which terminates TLS
// and sets X-Forwarded-Proto and X-Forwarded-For itself (dropping what an untrusted client sent).
// Those headers are believed only on requests for the published name that come from loopback.

const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export function isPublishedRequest(c: Context, published: string[]): boolean {
  return published.includes((c.req.header("host") ?? "").toLowerCase());
}

/** The published dashboard answers only over HTTPS through the proxy; anything else is refused. */
export function httpsWhenPublished(published: string[]): MiddlewareHandler {
  return async (c, next) => {
    if (isPublishedRequest(c, published) && (!fromLoopback(c) || c.req.header("x-forwarded-proto") !== "https")) {
      return c.text("the dashboard is served over HTTPS only", 403);
    }
    await next();
  };
}

/** Who is logging in, for the rate limit: the proxy's client for published requests, else the peer. */
export function clientAddress(c: Context, published: string[]): string {
  const peer = getConnInfo(c).remote.address ?? "unknown";
  if (!isPublishedRequest(c, published)) return peer;
  const forwarded = (c.req.header("x-forwarded-for") ?? "").split(",").map((part) => part.trim()).filter(Boolean);
  // The proxy appends the address it saw last: the only entry it vouches for.
  return forwarded[forwarded.length - 1] ?? peer;
}

function fromLoopback(c: Context): boolean {
  return LOOPBACK_ADDRESSES.has(getConnInfo(c).remote.address ?? "");
}
