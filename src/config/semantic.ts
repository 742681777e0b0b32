import { listShort, quoteShort, shorten } from "./shorten.js";
import { RUNTIME_VARIABLE_PREFIX } from "./defaults.js";
import { findDependencyCycles } from "./dependency-order.js";
import { suggest, type Problem } from "./diagnostics.js";
import { checkProxyRoutes } from "./proxy-semantic.js";
import { checkBackingSemantics } from "./backing-semantic.js";
import { checkOperations } from "./operations-semantic.js";
import { isRecord } from "../util/is-record.js";

// Checks that need more than one field at a time. They run on the raw (interpolated) data next to
// schema validation, so the user sees both kinds of problems in one report; every access is
// therefore defensive about types the schema has not confirmed yet.

const HEALTH_KINDS = ["http", "tcp", "command"] as const;
const HTTP_ONLY_HEALTH_KEYS = ["status", "host"] as const;
const MAX_PORT = 65535;

export function checkSemantics(raw: unknown): Problem[] {
  if (!isRecord(raw)) return [];
  const problems: Problem[] = [];
  const services = isRecord(raw.services) ? raw.services : undefined;
  if (services && Object.keys(services).length === 0) {
    problems.push({ path: ["services"], message: "no services defined", hint: "add one, e.g. `web: { command: npm start }`" });
  }
  const serviceEntries = Object.entries(services ?? {}).filter((entry): entry is [string, Record<string, unknown>] =>
    isRecord(entry[1]),
  );
  const names = serviceEntries.map(([name]) => name);

  problems.push(...checkReservedNames(raw));
  for (const [name, service] of serviceEntries) {
    problems.push(...checkDependsOn(name, service, names));
    problems.push(...checkHealth(name, service));
    problems.push(...checkPortRange(name, service));
  }
  problems.push(...checkCycles(serviceEntries));
  problems.push(...checkProxyRoutes(raw, names));
  problems.push(...checkBackingSemantics(raw));
  problems.push(...checkOperations(raw, names));
  return problems;
}

function checkDependsOn(name: string, service: Record<string, unknown>, names: string[]): Problem[] {
  if (!Array.isArray(service.depends_on)) return [];
  return service.depends_on.flatMap((dependency, index): Problem[] => {
    if (typeof dependency !== "string" || names.includes(dependency)) return [];
    return [
      {
        path: ["services", name, "depends_on", index],
        message: `unknown service ${quoteShort(dependency)}`,
        hint: suggest(dependency, names) ?? `services in this file: ${listShort(names)}`,
      },
    ];
  });
}

function checkCycles(services: [string, Record<string, unknown>][]): Problem[] {
  const graph = new Map(
    services.map(([name, service]) => [
      name,
      Array.isArray(service.depends_on) ? service.depends_on.filter((item) => typeof item === "string") : [],
    ]),
  );
  return findDependencyCycles(graph).map((cycle) => ({
    path: ["services", cycle.from, "depends_on", graph.get(cycle.from)?.indexOf(cycle.to) ?? 0],
    message: `dependency cycle: ${describeCycle(cycle.names)}`,
    hint: "services start after what they depend on, so a cycle can never start; remove one of these depends_on entries",
  }));
}

// A cycle through thousands of services is named by its ends, so the message stays readable.
function describeCycle(names: string[]): string {
  if (names.length <= 8) return names.join(" → ");
  return `${names.slice(0, 3).join(" → ")} → … (${names.length - 6} more) → ${names.slice(-3).join(" → ")}`;
}

function checkHealth(name: string, service: Record<string, unknown>): Problem[] {
  const health = service.health;
  if (!isRecord(health)) return [];
  const path = ["services", name, "health"];
  const kinds = HEALTH_KINDS.filter((kind) => kind in health);
  const problems: Problem[] = [];
  if (kinds.length === 0) {
    problems.push({ path, message: "health needs one of `http`, `tcp` or `command`", hint: "write e.g. `health: { http: /healthz }`" });
  } else if (kinds.length > 1) {
    problems.push({
      path: [...path, kinds[1] ?? ""],
      at: "key",
      message: `health has both \`${kinds[0]}\` and \`${kinds[1]}\``,
      hint: "keep exactly one kind of check",
    });
  }
  if (kinds.length > 0 && !kinds.includes("http")) {
    for (const key of HTTP_ONLY_HEALTH_KEYS.filter((key) => key in health)) {
      problems.push({ path: [...path, key], at: "key", message: `\`${key}\` applies only to http checks`, hint: `remove \`${key}\`` });
    }
  }
  if (service.port === false && (kinds.includes("http") || kinds.includes("tcp"))) {
    problems.push({
      path: ["services", name, "port"],
      message: `${kinds.includes("http") ? "an http" : "a tcp"} health check needs a port, but \`port\` is false`,
      hint: "remove `port: false` so berth assigns one, or check health with `command:`",
    });
  }
  return problems;
}

function checkPortRange(name: string, service: Record<string, unknown>): Problem[] {
  const { port, replicas } = service;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > MAX_PORT) return [];
  const count = typeof replicas === "number" && replicas > 0 ? replicas : 1;
  if (port + count - 1 <= MAX_PORT) return [];
  return [
    {
      path: ["services", name, "port"],
      message: `${count} replicas from port ${port} would go past ${MAX_PORT}`,
      hint: "choose a lower port, or `port: auto`",
    },
  ];
}

// berth overwrites these in every process, so setting them in berth.yml would silently do nothing.
function checkReservedNames(raw: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const envMaps: [PropertyKey[], unknown][] = [[["env"], raw.env]];
  if (isRecord(raw.services)) {
    for (const [name, service] of Object.entries(raw.services)) {
      if (isRecord(service)) envMaps.push([["services", name, "env"], service.env]);
    }
  }
  for (const [path, env] of envMaps) {
    if (!isRecord(env)) continue;
    for (const variable of Object.keys(env).filter(isSetByBerth)) {
      problems.push({ path: [...path, variable], at: "key", message: `\`${shorten(variable)}\` is set by berth`, hint: reservedHint(variable) });
    }
  }
  if (Array.isArray(raw.secrets)) {
    raw.secrets.forEach((secret, index) => {
      if (typeof secret === "string" && isSetByBerth(secret)) {
        problems.push({ path: ["secrets", index], message: `\`${shorten(secret)}\` is set by berth`, hint: reservedHint(secret) });
      }
    });
  }
  return problems;
}

function isSetByBerth(name: string): boolean {
  return name === "PORT" || name === "DATABASE_URL" || name.startsWith(RUNTIME_VARIABLE_PREFIX);
}

function reservedHint(name: string): string {
  if (name === "PORT") return "remove it; use `port:` on the service to choose the port";
  if (name === "DATABASE_URL") return "remove it; berth sets DATABASE_URL from `database:`";
  return `remove it; names starting with ${RUNTIME_VARIABLE_PREFIX} are reserved for berth`;
}
