import { listShort, quoteShort } from "./shorten.js";
import { suggest, type Problem } from "./diagnostics.js";
import { isRecord } from "../util/is-record.js";

/** Routes must name services that exist; the proxy forwards to each replica's $PORT. */
export function checkProxyRoutes(raw: Record<string, unknown>, serviceNames: string[]): Problem[] {
  if (!isRecord(raw.proxy) || !isRecord(raw.proxy.routes)) return [];
  const routes = raw.proxy.routes;
  return Object.entries(routes).flatMap(([prefix, service]): Problem[] => {
    if (typeof service !== "string" || serviceNames.includes(service)) return [];
    return [
      {
        path: ["proxy", "routes", prefix],
        message: `unknown service ${quoteShort(service)}`,
        hint: suggest(service, serviceNames) ?? `services in this file: ${listShort(serviceNames)}`,
      },
    ];
  });
}
