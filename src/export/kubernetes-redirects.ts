import type { ProxyConfig } from "../config/types.js";
import type { KubernetesContext, KubernetesObject } from "./kubernetes.js";
import type { Unexpressed } from "./types.js";

// `proxy.redirects` with ingress-nginx's annotations. `from-to-www-redirect` keeps the path and
// query but only pairs a host with its www. twin; `permanent-redirect` / `temporal-redirect` answer
// a whole Ingress with one URL (recent controllers refuse `$request_uri` in it), so path and
// query are lost; nothing redirects one path prefix.

export interface RedirectIngresses {
  objects: KubernetesObject[];
  /** Annotations of the stack's own Ingress. */
  mainAnnotations: Record<string, string>;
  /** Hosts the stack's own Ingress must not list: the www. twins it redirects, the others' own Ingress. */
  hostsServedElsewhere: Set<string>;
  /** www. twins the stack's certificate must cover. */
  wwwHosts: string[];
  unexpressed: Unexpressed[];
}

export function redirectIngresses(context: KubernetesContext, proxy: ProxyConfig): RedirectIngresses {
  const { stack, labels } = context;
  const result: RedirectIngresses = { objects: [], mainAnnotations: {}, hostsServedElsewhere: new Set(), wwwHosts: [], unexpressed: [] };
  const lost: string[] = [];
  for (const [index, rule] of proxy.redirects.entries()) {
    const from = rule.fromHost;
    if (from === undefined) {
      lost.push(`${rule.fromPath} → ${rule.to}: ingress-nginx cannot redirect a path prefix (the request reaches the app)`);
      continue;
    }
    result.hostsServedElsewhere.add(from);
    if (isWwwTwin(from, rule.to)) {
      result.mainAnnotations["nginx.ingress.kubernetes.io/from-to-www-redirect"] = "true";
      result.wwwHosts.push(from);
      if (rule.status !== 308) lost.push(`${from} → ${rule.to}: from-to-www-redirect answers 308, not ${rule.status}`);
      continue;
    }
    const target = /^https?:\/\//.test(rule.to) ? rule.to : `${proxy.tls.mode === "off" ? "http" : "https"}://${rule.to}`;
    const permanent = rule.status === 301 || rule.status === 308;
    if (rule.status === 307) lost.push(`${from} → ${rule.to}: temporal-redirect answers 302, not 307`);
    lost.push(`${from} → ${rule.to}: every request goes to ${target} itself, without its path and query`);
    result.objects.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: `${stack.name}-redirect-${index}`,
        labels,
        annotations: permanent
          ? { "nginx.ingress.kubernetes.io/permanent-redirect": target, "nginx.ingress.kubernetes.io/permanent-redirect-code": String(rule.status) }
          : { "nginx.ingress.kubernetes.io/temporal-redirect": target },
      },
      // The backend is never reached: the annotation answers first. An Ingress rule needs one.
      spec: { ingressClassName: "nginx", rules: [{ host: from, http: { paths: [{ path: "/", pathType: "Prefix", backend: firstBackend(context, proxy) }] } }] },
    });
  }
  if (lost.length > 0) result.unexpressed.push({ path: ["proxy", "redirects"], instead: lost.join("; ") });
  return result;
}

function isWwwTwin(from: string, to: string): boolean {
  return from === `www.${to}` || to === `www.${from}`;
}

function firstBackend(context: KubernetesContext, proxy: ProxyConfig): Record<string, unknown> {
  const service = proxy.routes[0]?.service ?? context.stack.services[0]?.name ?? "app";
  return { service: { name: `${context.stack.name}-${service}`, port: { name: "http" } } };
}
