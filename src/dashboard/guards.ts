import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { sameSecret, SESSION_COOKIE, type Session, type SessionStore } from "./sessions.js";

// Who may do what: a page or API answer needs a session; a state-changing request needs, on top,
// to come from the dashboard's own pages (CSRF). Browsers never send the SameSite=Strict cookie
// cross-site, but the token check does not rely on that alone.

export type DashboardEnv = { Variables: { session: Session } };

const SAFE_METHODS = new Set(["GET", "HEAD"]);
export const CSRF_HEADER = "x-berth-csrf";

/** Answers only to the names it was published under: a DNS-rebinding page cannot talk to it. */
export function allowHosts(hosts: () => string[]): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!hosts().includes(host)) return c.text("unknown host", 421);
    await next();
  };
}

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header("content-security-policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    c.header("x-frame-options", "DENY");
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("cache-control", "no-store");
  };
}

/** No session: pages redirect to the login page, everything else answers 401. */
export function requireSession(sessions: SessionStore): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const session = sessions.find(getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (SAFE_METHODS.has(c.req.method) && !c.req.path.startsWith("/api/")) return c.redirect("/login", 302);
      return c.json({ error: "not logged in: open the link `berth dashboard` prints" }, 401);
    }
    c.set("session", session);
    await next();
  };
}

/** Every state-changing request: same origin, and the session's CSRF token in a header or form field. */
export function requireSameOrigin(): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const problem = crossSiteProblem(c);
    if (problem) return c.json({ error: problem }, 403);
    const session = c.get("session");
    let token = c.req.header(CSRF_HEADER);
    if (token === undefined && (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
      const form = await c.req.parseBody();
      token = typeof form.csrf === "string" ? form.csrf : undefined;
    }
    if (token === undefined || !sameSecret(token, session.csrfToken)) return c.json({ error: "missing or wrong CSRF token: reload the page" }, 403);
    await next();
  };
}

/** Refuses what a browser marks as coming from another site (Sec-Fetch-Site, Origin). */
export function crossSiteProblem(c: Context): string | null {
  const fetchSite = c.req.header("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") return `cross-site request refused (${fetchSite})`;
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      // "null" or garbage: not ours
    }
    if (originHost !== (c.req.header("host") ?? "").toLowerCase()) return "cross-site request refused (Origin)";
  }
  return null;
}
