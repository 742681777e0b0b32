import type { TlsMode } from "../config/types.js";
import { LOOPBACK_UPSTREAM_HOST } from "../proxy/table.js";
import type { CertificatePair, ProxyTable, SiteEntry } from "../proxy/types.js";

// berth's own sites behind the shared proxy (the dashboard published on a host name): one route to
// a loopback port, HTTPS only (plain HTTP is redirected), added to the table beside the stacks' sites.

export interface PublishedSite {
  /** Names the certificate and the pool; never a valid stack name, so it cannot clash with one. */
  name: string;
  hosts: string[];
  tls: TlsMode;
  port: number;
  accessLogPath: string;
}

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

export function withPublishedSites(table: ProxyTable, sites: { site: PublishedSite; certificate: CertificatePair }[]): ProxyTable {
  if (sites.length === 0) return table;
  const pools = { ...table.pools };
  const entries: SiteEntry[] = sites.map(({ site, certificate }) => {
    const pool = `${site.name}/web`;
    pools[pool] = [{ host: LOOPBACK_UPSTREAM_HOST, port: site.port }];
    return {
      stack: site.name,
      hosts: site.hosts,
      routes: [{ prefix: "/", pool }],
      static: [],
      redirectHttp: true,
      hstsMaxAgeSeconds: ONE_YEAR_SECONDS,
      trustedProxies: [],
      limits: { maxBodyBytes: 1024 * 1024, upstreamTimeoutMs: 60_000, drainTimeoutMs: 1_000 },
      accessLogPath: site.accessLogPath,
      certificate,
    };
  });
  return { ...table, sites: [...table.sites, ...entries], pools };
}
