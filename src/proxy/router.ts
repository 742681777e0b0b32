import type { RouteEntry, SiteEntry, StaticMount } from "./types.js";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export type RouteMatch =
  | { kind: "static"; mount: StaticMount; pathBelowPrefix: string }
  | { kind: "upstream"; route: RouteEntry }
  | { kind: "none" };

/** Finds the site for a Host header. Loopback names reach the first site, so `curl localhost` works on a server. */
export function findSite(sites: SiteEntry[], hostHeader: string | undefined): SiteEntry | undefined {
  const host = hostWithoutPort(hostHeader ?? "").toLowerCase();
  for (const site of sites) if (site.hosts.some((pattern) => hostMatches(pattern, host))) return site;
  if (LOOPBACK_HOSTS.has(host)) return sites[0];
  return undefined;
}

/** On a stack's own port: its site when the Host is one of its hosts or a loopback name, else none (421). */
export function findOwnSite(sites: SiteEntry[], owner: string, hostHeader: string | undefined): SiteEntry | undefined {
  const site = sites.find((candidate) => candidate.stack === owner);
  if (!site) return undefined;
  const host = hostWithoutPort(hostHeader ?? "").toLowerCase();
  return site.hosts.some((pattern) => hostMatches(pattern, host)) || LOOPBACK_HOSTS.has(host) ? site : undefined;
}

export function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1);
    return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".") && host.length > suffix.length;
  }
  return pattern === host;
}

export function hostWithoutPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.indexOf(":");
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** Static mounts first (the proxy serves them without waking the app), then the longest route prefix. */
export function matchRoute(site: SiteEntry, path: string): RouteMatch {
  for (const mount of site.static) {
    if (path.startsWith(mount.prefix)) return { kind: "static", mount, pathBelowPrefix: path.slice(mount.prefix.length) };
  }
  let best: RouteEntry | undefined;
  for (const route of site.routes) {
    if (!pathHasPrefix(path, route.prefix)) continue;
    if (!best || route.prefix.length > best.prefix.length) best = route;
  }
  return best ? { kind: "upstream", route: best } : { kind: "none" };
}

/** "/api" matches "/api", "/api/x" and "/api?q", not "/apix". */
function pathHasPrefix(path: string, prefix: string): boolean {
  if (prefix === "/" || prefix.endsWith("/")) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}
