import { join } from "node:path";
import type { Stack } from "../config/types.js";
import type { ReplicaSnapshot } from "../supervisor/replica.js";
import { ensureSecrets } from "../config/secrets.js";
import { stackPaths } from "../util/paths.js";
import { basicAuthEntry } from "./basic-auth.js";
import type { CertificatePair, ProxyTable, SiteEntry, UpstreamPools } from "./types.js";

export interface RunningStack {
  stack: Stack;
  replicas: ReplicaSnapshot[];
  certificate: CertificatePair | null;
  /** `berth maintenance on`. */
  maintenance?: boolean;
}

export const LOOPBACK_UPSTREAM_HOST = "127.0.0.1";

export function poolKey(stackName: string, serviceName: string): string {
  return `${stackName}/${serviceName}`;
}

/** A replica takes traffic once it is running and, when it has a health check, healthy. */
export function isServing(replica: ReplicaSnapshot): boolean {
  return replica.status === "running" && replica.port !== null && replica.draining !== true && (replica.health === "healthy" || replica.health === "none");
}

/**
 * A replica marked crash-looping (it exited several times in a row) whose process is up again and
 * passes its health check answers requests: when no replica of its service is simply running, it
 * takes the traffic rather than every request waiting, then failing with 503.
 */
function isAnsweringThoughFlapping(replica: ReplicaSnapshot): boolean {
  return replica.status === "crash-loop" && replica.pid !== null && replica.port !== null && replica.draining !== true && replica.health === "healthy";
}

/** The replicas of one service that take its traffic. */
export function servingReplicas(replicas: ReplicaSnapshot[], service: string): ReplicaSnapshot[] {
  const own = replicas.filter((replica) => replica.service === service);
  const serving = own.filter(isServing);
  return serving.length > 0 ? serving : own.filter(isAnsweringThoughFlapping);
}

/** The proxy table for every running stack that has a `proxy:` section. */
export function buildProxyTable(stacks: RunningStack[], acmeChallenges: Record<string, string>, home: string): ProxyTable {
  const sites: SiteEntry[] = [];
  const pools: UpstreamPools = {};
  for (const { stack, replicas, certificate, maintenance = false } of [...stacks].sort((a, b) => a.stack.name.localeCompare(b.stack.name))) {
    const proxy = stack.proxy;
    if (!proxy) continue;
    for (const route of proxy.routes) {
      pools[poolKey(stack.name, route.service)] = servingReplicas(replicas, route.service)
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
      limits: { maxBodyBytes: proxy.maxBodyBytes, upstreamTimeoutMs: proxy.upstreamTimeoutMs, drainTimeoutMs: proxy.drainTimeoutMs, holdMs: proxy.holdMs },
      accessLogPath: join(stackPaths(stack.name, home).logs, "access.log"),
      accessLogPolicy: stack.logs,
      certificate,
      // Without a certificate a TLS port could not be served: it is left closed (front-door.ts refuses it at `up`).
      redirects: proxy.redirects,
      maintenance,
      basicAuth: proxy.basicAuth ? basicAuthEntry(stack.name, proxy.basicAuth.user, ensureSecrets(stackPaths(stack.name, home).secrets, [proxy.basicAuth.passwordSecret])[proxy.basicAuth.passwordSecret]!) : null,
      listen: proxy.listen.filter((listener) => !listener.tls || certificate !== null),
    });
  }
  return { sites, pools, acmeChallenges };
}
