import { join } from "node:path";
import type { Stack } from "../config/types.js";
import type { ReplicaSnapshot } from "../supervisor/replica.js";
import { stackPaths } from "../util/paths.js";
import type { CertificatePair, ProxyTable, SiteEntry, UpstreamPools } from "./types.js";

export interface RunningStack {
  stack: Stack;
  replicas: ReplicaSnapshot[];
  certificate: CertificatePair | null;
}

export const LOOPBACK_UPSTREAM_HOST = "127.0.0.1";

export function poolKey(stackName: string, serviceName: string): string {
  return `${stackName}/${serviceName}`;
}

/** A replica takes traffic once it is running and, when it has a health check, healthy. */
export function isServing(replica: ReplicaSnapshot): boolean {
  return replica.status === "running" && replica.port !== null && (replica.health === "healthy" || replica.health === "none");
}

/** The proxy table for every running stack that has a `proxy:` section. */
export function buildProxyTable(stacks: RunningStack[], acmeChallenges: Record<string, string>, home: string): ProxyTable {
  const sites: SiteEntry[] = [];
  const pools: UpstreamPools = {};
  for (const { stack, replicas, certificate } of [...stacks].sort((a, b) => a.stack.name.localeCompare(b.stack.name))) {
    const proxy = stack.proxy;
    if (!proxy) continue;
    for (const route of proxy.routes) {
      pools[poolKey(stack.name, route.service)] = replicas
        .filter((replica) => replica.service === route.service && isServing(replica))
        .map((replica) => ({ host: LOOPBACK_UPSTREAM_HOST, port: replica.port! }));
    }
    sites.push({
      stack: stack.name,
      hosts: proxy.hosts,
      routes: proxy.routes.map((route) => ({ prefix: route.prefix, pool: poolKey(stack.name, route.service) })),
      static: proxy.static,
      redirectHttp: proxy.redirectHttp && certificate !== null,
      hstsMaxAgeSeconds: proxy.hstsMaxAgeSeconds,
      trustedProxies: proxy.trustedProxies,
      limits: { maxBodyBytes: proxy.maxBodyBytes, upstreamTimeoutMs: proxy.upstreamTimeoutMs, drainTimeoutMs: proxy.drainTimeoutMs },
      accessLogPath: join(stackPaths(stack.name, home).logs, "access.log"),
      accessLogPolicy: stack.logs,
      certificate,
    });
  }
  return { sites, pools, acmeChallenges };
}
