import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { allowHosts, CSRF_HEADER, requireSameOrigin, requireSession, securityHeaders, type DashboardEnv } from "./guards.js";
import { SESSION_COOKIE, SessionStore } from "./sessions.js";

function guardedApp() {
  const sessions = new SessionStore();
  const app = new Hono<DashboardEnv>();
  app.use("*", allowHosts(() => ["127.0.0.1:7311"]), securityHeaders(), requireSession(sessions), requireSameOrigin());
  app.get("/page", (c) => c.text("page"));
  app.get("/api/thing", (c) => c.json({ ok: true }));
  app.post("/api/act", (c) => c.json({ done: true }));
  const session = sessions.redeemLoginToken(sessions.issueLoginToken().token)!;
  const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(`http://127.0.0.1:7311${path}`, { ...init, headers: { host: "127.0.0.1:7311", ...init.headers } });
  return { call, session, cookie: `${SESSION_COOKIE}=${session.id}` };
}

test("without a session pages redirect to login and the API answers 401", async () => {
  const { call } = guardedApp();
  const page = await call("/page");
  assert.equal(page.status, 302);
  assert.equal(page.headers.get("location"), "/login");
  assert.equal((await call("/api/thing")).status, 401);
  assert.equal((await call("/api/act", { method: "POST" })).status, 401);
  assert.equal((await call("/page", { headers: { cookie: `${SESSION_COOKIE}=forged` } })).status, 302);
});

test("a state-changing request needs the CSRF token and the same origin", async () => {
  const { call, session, cookie } = guardedApp();
  const post = (headers: Record<string, string>) => call("/api/act", { method: "POST", headers: { cookie, ...headers } });
  assert.equal((await post({ [CSRF_HEADER]: session.csrfToken })).status, 200);
  assert.equal((await post({ [CSRF_HEADER]: session.csrfToken, origin: "http://127.0.0.1:7311" })).status, 200);
  assert.equal((await post({})).status, 403);
  assert.equal((await post({ [CSRF_HEADER]: "x" })).status, 403);
  assert.equal((await post({ [CSRF_HEADER]: session.csrfToken, origin: "https://evil.example" })).status, 403);
  assert.equal((await post({ [CSRF_HEADER]: session.csrfToken, origin: "null" })).status, 403);
  assert.equal((await post({ [CSRF_HEADER]: session.csrfToken, "sec-fetch-site": "same-site" })).status, 403);
  const form = await call("/api/act", { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: `csrf=${session.csrfToken}` });
  assert.equal(form.status, 200, "a form post carries the token as a field");
});

test("other Host names are refused and every answer carries the security headers", async () => {
  const { call, cookie } = guardedApp();
  assert.equal((await call("/page", { headers: { host: "attacker.example", cookie } })).status, 421);
  const page = await call("/page", { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("cache-control"), "no-store");
});
