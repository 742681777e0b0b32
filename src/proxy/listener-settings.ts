import type { ListenerSettings } from "./types.js";

// The proxy's listeners are shared by every stack on the host, so they are host settings
// (src/daemon/host-settings.ts: $BERTH_HOME/host.yml, overridden by environment variables), not
// any one berth.yml's. This file holds their defaults and their checks.

const PRIVILEGED_HTTP_PORT = 80;
const PRIVILEGED_HTTPS_PORT = 443;
const UNPRIVILEGED_HTTP_PORT = 8080;
const UNPRIVILEGED_HTTPS_PORT = 8443;
const DEFAULT_ADDRESS = "0.0.0.0";
/** The default follows the cores, up to this many: beyond it workers mostly compete with the apps. */
const DEFAULT_MAX_WORKERS = 4;
export const MAX_WORKERS = 64;

export const PROXY_ENV = {
  address: "BERTH_PROXY_ADDRESS",
  httpPort: "BERTH_HTTP_PORT",
  httpsPort: "BERTH_HTTPS_PORT",
  workers: "BERTH_PROXY_WORKERS",
} as const;

/** Defaults: ports 80/443 as root, 8080/8443 otherwise; one worker per core (at most 4). */
export function defaultListenerSettings(cores: number, root = process.getuid?.() === 0): ListenerSettings {
  return {
    address: DEFAULT_ADDRESS,
    httpPort: root ? PRIVILEGED_HTTP_PORT : UNPRIVILEGED_HTTP_PORT,
    httpsPort: root ? PRIVILEGED_HTTPS_PORT : UNPRIVILEGED_HTTPS_PORT,
    workers: Math.max(1, Math.min(DEFAULT_MAX_WORKERS, cores)),
    maxHeaderBytes: 16 * 1024,
    // Slowloris: a client gets this long to send its request headers.
    headersTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
  };
}

export function isValidPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value < 65536;
}

export function isValidWorkerCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_WORKERS;
}

/** Whether two listener settings would bind the same sockets the same way. */
export function sameListenerSettings(a: ListenerSettings, b: ListenerSettings): boolean {
  return (Object.keys(a) as (keyof ListenerSettings)[]).every((key) => a[key] === b[key]) && Object.keys(a).length === Object.keys(b).length;
}
