import { resolve } from "node:path";
import { PROXY_DEFAULTS, type ProxyEntry } from "./proxy-schema.js";
import type { ProxyConfig, Service, TlsMode } from "./types.js";
import { durationToMs, sizeToBytes } from "./units.js";

export function resolveProxy(entry: ProxyEntry | undefined, services: Service[], root: string): ProxyConfig | null {
  if (!entry) return null;
  const tls = resolveTls(entry.tls ?? PROXY_DEFAULTS.tls, root);
  const redirects = (entry.redirects ?? []).map((rule) => {
    const status = rule.status ?? 301;
    return rule.from.startsWith("/") ? { fromPath: rule.from, to: rule.to, status } : { fromHost: rule.from.toLowerCase(), to: rule.to, status };
  });
  // A redirected host must reach this stack, with a certificate that covers it.
  const hosts = [...new Set([...entry.hosts, ...redirects.flatMap((rule) => (rule.fromHost ? [rule.fromHost] : []))].map((host) => host.toLowerCase()))];
  const hsts = entry.hsts === true ? PROXY_DEFAULTS.hstsMaxAge : entry.hsts || null;
  return {
    hosts,
    routes: resolveRoutes(entry.routes, services),
    static: Object.entries(entry.static ?? {}).map(([prefix, directory]) => ({
      prefix: prefix.endsWith("/") ? prefix : `${prefix}/`,
      directory: resolve(root, typeof directory === "string" ? directory : directory.dir),
    })),
    tls,
    redirectHttp: entry.redirect_http ?? tls.mode !== "off",
    hstsMaxAgeSeconds: hsts ? Math.round(durationToMs(hsts) / 1000) : null,
    trustedProxies: entry.trusted_proxies ?? [],
    maxBodyBytes: sizeToBytes(entry.max_body_size ?? PROXY_DEFAULTS.maxBody),
    upstreamTimeoutMs: durationToMs(entry.upstream_timeout ?? PROXY_DEFAULTS.upstreamTimeout),
    drainTimeoutMs: durationToMs(entry.drain_timeout ?? PROXY_DEFAULTS.drainTimeout),
    holdMs: durationToMs(entry.hold ?? PROXY_DEFAULTS.hold),
    redirects,
    basicAuth: entry.basic_auth ? { user: entry.basic_auth.user, passwordSecret: entry.basic_auth.password_secret } : null,
    listen: [
      ...[...new Set(entry.listen ?? [])].map((port) => ({ port, tls: false })),
      ...[...new Set(entry.listen_tls ?? [])].map((port) => ({ port, tls: true })),
    ],
  };
}

/** Without routes, everything goes to the first service that listens on a port (usually `web`). */
function resolveRoutes(routes: Record<string, string> | undefined, services: Service[]): ProxyConfig["routes"] {
  if (routes) return Object.entries(routes).map(([prefix, service]) => ({ prefix, service }));
  const web = services.find((service) => service.port.kind !== "none");
  return web ? [{ prefix: "/", service: web.name }] : [];
}

function resolveTls(entry: NonNullable<ProxyEntry["tls"]>, root: string): TlsMode {
  if (entry === "self-signed") return { mode: "self-signed" };
  if (entry === "off") return { mode: "off" };
  if (entry === "acme") return { mode: "acme", email: null, directoryUrl: PROXY_DEFAULTS.acmeDirectory };
  if ("acme" in entry) {
    return { mode: "acme", email: entry.acme.email ?? null, directoryUrl: entry.acme.directory ?? PROXY_DEFAULTS.acmeDirectory };
  }
  return { mode: "files", certFile: resolve(root, entry.cert), keyFile: resolve(root, entry.key) };
}
