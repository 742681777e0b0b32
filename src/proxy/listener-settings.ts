import type { ListenerSettings } from "./types.js";

// The proxy's listeners are shared by every stack on the host, so they are the daemon's settings
// (environment variables of the daemon), not any one berth.yml's.

const PRIVILEGED_HTTP_PORT = 80;
const PRIVILEGED_HTTPS_PORT = 443;
const UNPRIVILEGED_HTTP_PORT = 8080;
const UNPRIVILEGED_HTTPS_PORT = 8443;
const DEFAULT_ADDRESS = "0.0.0.0";
const MAX_WORKERS = 4;

export const PROXY_ENV = {
  address: "BERTH_PROXY_ADDRESS",
  httpPort: "BERTH_HTTP_PORT",
  httpsPort: "BERTH_HTTPS_PORT",
  workers: "BERTH_PROXY_WORKERS",
} as const;

export function readListenerSettings(env: NodeJS.ProcessEnv, cores: number): ListenerSettings {
  const root = process.getuid?.() === 0;
  return {
    address: env[PROXY_ENV.address] || DEFAULT_ADDRESS,
    httpPort: portFrom(env[PROXY_ENV.httpPort], root ? PRIVILEGED_HTTP_PORT : UNPRIVILEGED_HTTP_PORT),
    httpsPort: portFrom(env[PROXY_ENV.httpsPort], root ? PRIVILEGED_HTTPS_PORT : UNPRIVILEGED_HTTPS_PORT),
    workers: Math.max(1, Math.min(MAX_WORKERS, Number(env[PROXY_ENV.workers]) || cores)),
    maxHeaderBytes: 16 * 1024,
    // Slowloris: a client gets this long to send its request headers.
    headersTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
  };
}

function portFrom(value: string | undefined, fallback: number): number {
  const port = Number(value);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : fallback;
}
