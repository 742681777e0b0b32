import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { UserError } from "../errors.js";
import type { StackManager } from "../daemon/stack-manager.js";
import { berthHome } from "../util/paths.js";
import { SessionStore } from "./sessions.js";

// The dashboard costs the daemon nothing until someone asks for it: the daemon imports this module
// (and hono with it) at the first `berth dashboard` — or at its start when host.yml publishes the
// dashboard on a host name — then keeps serving on loopback until it stops.

export const DEFAULT_DASHBOARD_PORT = 7311;
/** The published dashboard's certificate and pool; a stack name cannot contain "_" (STACK_NAME_PATTERN). */
const PUBLISHED_SITE_NAME = "berth_dashboard";
const LOOPBACK = "127.0.0.1";

export interface DashboardAccess {
  /** Where the dashboard listens. */
  url: string;
  /** The URL with a one-time login token: opening it logs the browser in and burns the token. */
  loginUrl: string;
  /** The HTTPS address through the proxy, when host.yml publishes the dashboard on a host name. */
  publishedUrl: string | null;
  publishedLoginUrl: string | null;
  expiresAt: string;
}

interface RunningDashboard {
  port: number;
  sessions: SessionStore;
  server: Server;
  publishedUrl: string | null;
}

const running = new WeakMap<StackManager, Promise<RunningDashboard>>();

/** Starts the dashboard on first use (on `port`, 0 for any free one) and issues a login token. */
export async function openDashboard(manager: StackManager, options: { port?: number } = {}): Promise<DashboardAccess> {
  const { port, sessions, publishedUrl } = await ensureDashboard(manager, options.port);
  const { token, expiresAt } = sessions.issueLoginToken();
  const url = `http://${LOOPBACK}:${port}/`;
  return {
    url,
    loginUrl: `${url}login?token=${token}`,
    publishedUrl,
    publishedLoginUrl: publishedUrl ? `${publishedUrl}login?token=${token}` : null,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

/** The daemon's start, when host.yml publishes the dashboard: it must answer without anyone running `berth dashboard`. */
export async function startPublishedDashboard(manager: StackManager): Promise<void> {
  await ensureDashboard(manager, undefined);
}

function ensureDashboard(manager: StackManager, port: number | undefined): Promise<RunningDashboard> {
  let dashboard = running.get(manager);
  if (!dashboard) {
    dashboard = startDashboard(manager, port ?? manager.settings.dashboard?.port ?? DEFAULT_DASHBOARD_PORT);
    running.set(manager, dashboard);
    dashboard.catch(() => running.delete(manager));
  }
  return dashboard;
}

async function startDashboard(manager: StackManager, port: number): Promise<RunningDashboard> {
  const [{ createAdaptorServer }, { createDashboardApp }, { startUsageSampler }] = await Promise.all([
    import("@hono/node-server"),
    import("./app.js"),
    import("./usage-sampler.js"),
  ]);
  const sessions = new SessionStore();
  const published = publishedHost(manager);
  let boundPort = port;
  const hosts = () => [`${LOOPBACK}:${boundPort}`, `localhost:${boundPort}`];
  const app = createDashboardApp({ manager, sessions, hosts, published: published?.hostHeaders ?? [], usage: startUsageSampler(manager) });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new UserError(`the dashboard's port ${port} on ${LOOPBACK} is taken by another program`, { hint: "pick another with `berth dashboard --port <port>` or `dashboard: { port }` in host.yml" })
          : error,
      ),
    );
    server.listen(port, LOOPBACK, () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  // Open pages hold event streams: they must not keep a stopping daemon alive.
  server.unref();
  if (published) {
    const { host, tls } = published;
    // The schema module (and zod with it) is loaded only for an ACME certificate.
    const acmeDirectory = tls === "acme" ? (await import("../config/proxy-schema.js")).PROXY_DEFAULTS.acmeDirectory : null;
    await manager.frontDoor.publish({
      name: PUBLISHED_SITE_NAME,
      hosts: [host],
      tls: acmeDirectory ? { mode: "acme", email: null, directoryUrl: acmeDirectory } : { mode: "self-signed" },
      port: boundPort,
      accessLogPath: join(berthHome(), "dashboard", "access.log"),
    });
  }
  return { port: boundPort, sessions, server, publishedUrl: published?.url ?? null };
}

/** host.yml's `dashboard: { host }`: the names the proxy forwards it under, and its HTTPS address. */
function publishedHost(manager: StackManager): { host: string; tls: "self-signed" | "acme"; hostHeaders: string[]; url: string } | null {
  const host = manager.settings.dashboard?.host;
  if (!host) return null;
  const httpsPort = manager.settings.proxy.httpsPort;
  const withPort = httpsPort === 443 ? host : `${host}:${httpsPort}`;
  return { host, tls: manager.settings.dashboard.tls, hostHeaders: [...new Set([host, withPort])], url: `https://${withPort}/` };
}
