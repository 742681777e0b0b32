import { readFileSync } from "node:fs";
import type { ProxyConfig } from "../config/types.js";
import { containerPort } from "./container-command.js";
import { basicAuthFiles } from "./htpasswd.js";
import { redirectIngresses } from "./kubernetes-redirects.js";
import type { KubernetesContext, KubernetesObject } from "./kubernetes.js";
import type { ExportFile, Unexpressed } from "./types.js";

// berth's front proxy as an Ingress for ingress-nginx: body size and timeouts (websockets need the
// long read/send timeouts) as its annotations, TLS from cert-manager (acme, self-signed) or from
// the given files. Static prefixes go to the app, which serves them itself (e.g. WhiteNoise).

export interface IngressObjects {
  objects: KubernetesObject[];
  files: ExportFile[];
  notes: string[];
  unexpressed: Unexpressed[];
  /** secretGenerator entries for kustomization.yaml. */
  secretGenerators: Record<string, unknown>[];
}

/** The htpasswd file beside the manifests, read by the basic auth secretGenerator. */
export const BASIC_AUTH_FILE = "basic-auth.htpasswd";

export function ingressObjects(context: KubernetesContext, proxy: ProxyConfig): IngressObjects {
  const { stack, labels } = context;
  const name = stack.name;
  const seconds = String(Math.round(proxy.upstreamTimeoutMs / 1000));
  const annotations: Record<string, string> = {
    "nginx.ingress.kubernetes.io/proxy-body-size": String(proxy.maxBodyBytes),
    "nginx.ingress.kubernetes.io/proxy-read-timeout": seconds,
    "nginx.ingress.kubernetes.io/proxy-send-timeout": seconds,
    "nginx.ingress.kubernetes.io/ssl-redirect": String(proxy.tls.mode !== "off" && proxy.redirectHttp),
  };
  const objects: KubernetesObject[] = [];
  const files: ExportFile[] = [];
  const notes: string[] = [];
  if (proxy.tls.mode === "acme") {
    annotations["cert-manager.io/cluster-issuer"] = "letsencrypt";
    notes.push("TLS: cert-manager with a ClusterIssuer named `letsencrypt` (create it with your ACME e-mail)");
  }
  if (proxy.tls.mode === "self-signed") {
    annotations["cert-manager.io/issuer"] = `${name}-selfsigned`;
    objects.push({ apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: `${name}-selfsigned`, labels }, spec: { selfSigned: {} } });
  }
  if (proxy.tls.mode === "files") {
    files.push({ path: "tls.crt", content: readFileSync(proxy.tls.certFile, "utf8"), secret: true }, { path: "tls.key", content: readFileSync(proxy.tls.keyFile, "utf8"), secret: true });
  }
  const secretGenerators: Record<string, unknown>[] = [];
  if (proxy.basicAuth) {
    const secret = `${name}-basic-auth`;
    Object.assign(annotations, {
      "nginx.ingress.kubernetes.io/auth-type": "basic",
      "nginx.ingress.kubernetes.io/auth-secret": secret,
      "nginx.ingress.kubernetes.io/auth-realm": name,
    });
    files.push(...basicAuthFiles(BASIC_AUTH_FILE, proxy.basicAuth, context.options.secrets));
    // An annotation is not a reference kustomize rewrites: the Secret keeps its plain name.
    secretGenerators.push({ name: secret, files: [`auth=${BASIC_AUTH_FILE}`], options: { disableNameSuffixHash: true } });
  }
  const redirects = redirectIngresses(context, proxy);
  Object.assign(annotations, redirects.mainAnnotations);
  const backendFor = (serviceName: string) => {
    const service = stack.services.find((candidate) => candidate.name === serviceName);
    const port = service ? containerPort(service) : null;
    return port === null ? null : { service: { name: `${name}-${serviceName}`, port: { number: port } } };
  };
  const rootRoute = proxy.routes.find((route) => route.prefix === "/") ?? proxy.routes[0];
  const paths = [
    ...proxy.routes.map((route) => ({ path: route.prefix, backend: backendFor(route.service) })),
    ...(rootRoute ? proxy.static.map((entry) => ({ path: entry.prefix, backend: backendFor(rootRoute.service) })) : []),
  ]
    .filter((entry) => entry.backend !== null)
    .map((entry) => ({ path: entry.path, pathType: "Prefix", backend: entry.backend }));
  // Ingress hosts take the same one-label wildcards (`*.example.org`) berth's proxy does.
  const hosts = proxy.hosts.filter((host) => !redirects.hostsServedElsewhere.has(host));
  const rules = (hosts.length > 0 ? hosts : [undefined]).map((host) => ({ ...(host ? { host } : {}), http: { paths } }));
  objects.push({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, labels, annotations },
    spec: {
      ingressClassName: "nginx",
      ...(proxy.tls.mode !== "off" && hosts.length > 0 ? { tls: [{ hosts: [...hosts, ...redirects.wwwHosts], secretName: `${name}-tls` }] } : {}),
      rules,
    },
  });
  objects.push(...redirects.objects);
  return { objects, files, notes, unexpressed: redirects.unexpressed, secretGenerators };
}
