import { Hono, type Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { StackManager } from "../daemon/stack-manager.js";
import { ActionRunner } from "./action-runner.js";
import { DASHBOARD_SCRIPT } from "./assets/client-script.js";
import { DASHBOARD_CSS } from "./assets/styles.js";
import { registerApi } from "./api-routes.js";
import { clientAddress, httpsWhenPublished, isPublishedRequest } from "./published.js";
import { allowHosts, crossSiteProblem, requireSameOrigin, requireSession, securityHeaders, type DashboardEnv } from "./guards.js";
import { LoginRateLimit } from "./login-rate-limit.js";
import { registerPages } from "./page-routes.js";
import { SESSION_COOKIE, SESSION_IDLE_TTL_MS, type SessionStore } from "./sessions.js";
import { redact } from "./stack-data.js";
import type { UsageHistory } from "./usage-history.js";
import { renderLoginPage } from "./views/login-page.js";

export interface DashboardAppOptions {
  manager: StackManager;
  sessions: SessionStore;
  /** The Host headers the dashboard answers to (loopback names with its port, a published name). */
  hosts: () => string[];
  /** Host headers under which the proxy forwards the published dashboard (HTTPS only); empty when not published. */
  published: string[];
  /** CPU and memory samples for the sparklines. */
  usage: UsageHistory;
}

/** The dashboard's routes: public login and assets, everything else behind a session and CSRF checks. */
export function createDashboardApp({ manager, sessions, hosts, published, usage }: DashboardAppOptions): Hono<DashboardEnv> {
  const app = new Hono<DashboardEnv>();
  const logins = new LoginRateLimit();
  const actions = new ActionRunner((stack, text) => redact(manager, stack, text) ?? "");

  app.use("*", allowHosts(() => [...hosts(), ...published]), securityHeaders(), httpsWhenPublished(published));
  app.get("/assets/dashboard.js", (c) => c.body(DASHBOARD_SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/assets/dashboard.css", (c) => c.body(DASHBOARD_CSS, 200, { "content-type": "text/css; charset=utf-8" }));

  const logIn = async (c: Context<DashboardEnv>, token: string | undefined) => {
    const client = clientAddress(c, published);
    if (!logins.allow(client)) return c.html(renderLoginPage("Too many login attempts: wait a minute."), 429);
    const session = token ? sessions.redeemLoginToken(token) : null;
    if (!session) return c.html(renderLoginPage("This login token is unknown, expired or already used. Run `berth dashboard` for a new one."), 401);
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isPublishedRequest(c, published),
      maxAge: SESSION_IDLE_TTL_MS / 1000,
    });
    return c.redirect("/", 303);
  };
  app.get("/login", (c) => {
    const token = c.req.query("token");
    if (token === undefined) return c.html(renderLoginPage(null));
    return logIn(c, token);
  });
  app.post("/login", async (c) => {
    const problem = crossSiteProblem(c);
    if (problem) return c.json({ error: problem }, 403);
    const form = await c.req.parseBody();
    return logIn(c, typeof form.token === "string" ? form.token : undefined);
  });

  app.use("*", requireSession(sessions), requireSameOrigin());
  app.post("/logout", (c) => {
    sessions.end(c.get("session").id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });
  registerPages(app, manager, actions, usage);
  registerApi(app, manager, actions, usage);
  app.notFound((c) => c.text("not found", 404));
  app.onError((error, c) => c.json({ error: error.message }, 500));
  return app;
}
