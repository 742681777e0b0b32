import { suggest, type Problem } from "./diagnostics.js";

/** Routes must name services that exist; the proxy forwards to each replica's $PORT. */
export function checkProxyRoutes(raw: Record<string, unknown>, serviceNames: string[]): Problem[] {
  const proxy = raw.proxy;
  if (typeof proxy !== "object" || proxy === null) return [];
  const routes = (proxy as Record<string, unknown>).routes;
  if (typeof routes !== "object" || routes === null) return [];
  return Object.entries(routes).flatMap(([prefix, service]): Problem[] => {
    if (typeof service !== "string" || serviceNames.includes(service)) return [];
    return [
      {
        path: ["proxy", "routes", prefix],
        message: `unknown service ${JSON.stringify(service)}`,
        hint: suggest(service, serviceNames) ?? `services in this file: ${serviceNames.join(", ")}`,
      },
    ];
  });
}
