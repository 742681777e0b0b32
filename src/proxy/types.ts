import type { BasicAuthEntry } from "./basic-auth.js";

// What the daemon tells the proxy workers: every site (one per stack with a `proxy:` section),
// and the live upstream pools. Workers hold no other state, so a restarted worker is whole again
// as soon as it receives the current table.

import type { LogPolicy } from "../config/types.js";

export interface UpstreamTarget {
  host: string;
  port: number;
}

/** `${stack}/${service}` → the ready replicas currently taking traffic. */
export type UpstreamPools = Record<string, UpstreamTarget[]>;

export interface StaticMount {
  /** URL prefix, starting and ending with "/": "/static/". */
  prefix: string;
  /** Absolute directory served under the prefix. */
  directory: string;
}

export interface RouteEntry {
  /** URL path prefix starting with "/"; the longest matching prefix wins. */
  prefix: string;
  /** Key into UpstreamPools. */
  pool: string;
}

export interface ProxyLimits {
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  /** How long an old upstream set keeps its in-flight requests and websockets after a switch. */
  drainTimeoutMs: number;
  /** How long a request waits for a ready replica when its service has none, before 503; 0 answers at once. */
  holdMs?: number;
  /** How long a request body may stall between two reads before 408; default BODY_IDLE_TIMEOUT_MS (request-body.ts). */
  bodyIdleTimeoutMs?: number;
}

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

/** One `proxy.redirects` entry: `fromHost` (lowercase) or `fromPath` (a path prefix). */
export interface RedirectRule {
  fromHost?: string;
  fromPath?: string;
  /** A host name (host rules), a path prefix (path rules), or an absolute URL. */
  to: string;
  status: number;
}

export interface SiteEntry {
  stack: string;
  /** Lowercase host names; "*.example.org" matches one label. */
  hosts: string[];
  routes: RouteEntry[];
  static: StaticMount[];
  redirectHttp: boolean;
  hstsMaxAgeSeconds: number | null;
  /** Peers whose X-Forwarded-* headers are kept (exact IPs). */
  trustedProxies: string[];
  limits: ProxyLimits;
  accessLogPath: string;
  /** The stack's `logs:` policy, which the access log is rotated under; absent in a table from an older daemon. */
  accessLogPolicy?: LogPolicy;
  certificate: CertificatePair | null;
  /** The stack's own ports (`proxy.listen`, `proxy.listen_tls`), where only its hosts are served. */
  listen?: { port: number; tls: boolean }[];
  redirects?: RedirectRule[];
  /** `berth maintenance on`: every request gets the maintenance page (503, Retry-After). */
  maintenance?: boolean;
  /** `proxy.basic_auth`: requests without these credentials get 401. */
  basicAuth?: BasicAuthEntry | null;
}

export interface ProxyTable {
  sites: SiteEntry[];
  pools: UpstreamPools;
  /** ACME HTTP-01 tokens → key authorizations, answered on plain HTTP for every host. */
  acmeChallenges: Record<string, string>;
  /**
   * Served to TLS clients that name no host, or one no site lists (an IP address in the URL, old
   * clients): the stack's certificate when one stack has TLS, else the local CA's host certificate.
   */
  defaultCertificate?: CertificatePair | null;
}

/** Listener settings shared by every stack on the host (set per daemon, see docs/proxy.md). */
export interface ListenerSettings {
  address: string;
  httpPort: number;
  httpsPort: number;
  workers: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
}
