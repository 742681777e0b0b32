import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../errors.js";
import type { StackManager } from "../daemon/stack-manager.js";
import { SessionStore } from "./sessions.js";

// The dashboard costs the daemon nothing until someone asks for it: the daemon imports this module
// (and hono with it) at the first `berth dashboard`, then keeps serving on loopback until it stops.

export const DEFAULT_DASHBOARD_PORT = 7311;
const LOOPBACK = "127.0.0.1";

export interface DashboardAccess {
  /** Where the dashboard listens. */
  url: string;
  /** The URL with a one-time login token: opening it logs the browser in and burns the token. */
  loginUrl: string;
  expiresAt: string;
}

interface RunningDashboard {
  port: number;
  sessions: SessionStore;
  server: Server;
}

const running = new WeakMap<StackManager, Promise<RunningDashboard>>();

/** Starts the dashboard on first use (on `port`, 0 for any free one) and issues a login token. */
export async function openDashboard(manager: StackManager, options: { port?: number } = {}): Promise<DashboardAccess> {
  let dashboard = running.get(manager);
  if (!dashboard) {
    dashboard = startDashboard(manager, options.port ?? DEFAULT_DASHBOARD_PORT);
    running.set(manager, dashboard);
    dashboard.catch(() => running.delete(manager));
  }
  const { port, sessions } = await dashboard;
  const { token, expiresAt } = sessions.issueLoginToken();
  const url = `http://${LOOPBACK}:${port}/`;
  return { url, loginUrl: `${url}login?token=${token}`, expiresAt: new Date(expiresAt).toISOString() };
}

async function startDashboard(manager: StackManager, port: number): Promise<RunningDashboard> {
  const [{ createAdaptorServer }, { createDashboardApp }, { startUsageSampler }] = await Promise.all([
    import("@hono/node-server"),
    import("./app.js"),
    import("./usage-sampler.js"),
  ]);
  const sessions = new SessionStore();
  let boundPort = port;
  const hosts = () => [`${LOOPBACK}:${boundPort}`, `localhost:${boundPort}`];
  const app = createDashboardApp({ manager, sessions, hosts, usage: startUsageSampler(manager) });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new UserError(`the dashboard's port ${port} on ${LOOPBACK} is taken by another program`, { hint: "pick another with `berth dashboard --port <port>`" })
          : error,
      ),
    );
    server.listen(port, LOOPBACK, () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  // Open pages hold event streams: they must not keep a stopping daemon alive.
  server.unref();
  return { port: boundPort, sessions, server };
}
