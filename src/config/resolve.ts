import { basename, dirname, resolve } from "node:path";
import { DEFAULTS } from "./defaults.js";
import type { BerthFile, HealthEntry, ServiceEntry } from "./schema.js";
import type { HealthCheck, PortPolicy, ProxyConfig, Service, Stack } from "./types.js";
import { resolveBackup, resolveDatabase } from "./resolve-backing.js";
import { durationToMs, sizeToBytes } from "./units.js";
import type { WatchEntry } from "./watch-schema.js";
import { resolveProxy } from "./resolve-proxy.js";
import { resolveAlerts, resolveJobs, resolveLogs } from "./resolve-operations.js";
import { buildCommandsOf, buildOutputsOf, commandListOf, RELEASE_DEFAULTS } from "./release-schema.js";

export interface ResolveContext {
  /** Absolute path of berth.yml. */
  file: string;
  /** Values read from the env_file entries, in order. */
  envFileValues: Record<string, string>;
}

/** Fills in every default and converts units, turning what the user wrote into the Stack every module reads. */
export function resolveStack(config: BerthFile, context: ResolveContext): Stack {
  const file = resolve(context.file);
  const root = dirname(file);
  const resolvedServices = Object.entries(config.services).map(([name, entry]) => resolveService(name, entry, root, config.user));
  const proxy = resolveProxy(config.proxy, resolvedServices, root);
  const services = proxy && proxy.tls.mode !== "off" ? resolvedServices.map((service) => probedAsProxied(service, proxy)) : resolvedServices;
  return {
    name: config.name ?? stackNameFromDirectory(root),
    file,
    root,
    env: { ...context.envFileValues, ...stringifyValues(config.env) },
    secrets: unique(config.secrets ?? []),
    user: config.user ?? null,
    database: resolveDatabase(config.database, root),
    redis: config.redis ?? DEFAULTS.redis,
    backup: resolveBackup(config.backup),
    release: typeof config.release === "string" ? [config.release] : [...(config.release ?? [])],
    services,
    logs: resolveLogs(config.logs),
    proxy,
    build: buildCommandsOf(config.build),
    buildOutputs: buildOutputsOf(config.build),
    shared: unique(config.shared ?? []),
    keepReleases: config.keep_releases ?? RELEASE_DEFAULTS.keepReleases,
    hooks: { preDeploy: commandListOf(config.hooks?.pre_deploy), postDeploy: commandListOf(config.hooks?.post_deploy) },
    releaseId: null,
    jobs: resolveJobs(config.jobs),
    alerts: resolveAlerts(config.alerts),
  };
}

/**
 * A service the proxy serves over HTTPS sees its requests with X-Forwarded-Proto: https; its HTTP
 * health probe says the same, or an app that redirects plain HTTP to HTTPS (Django's
 * SECURE_SSL_REDIRECT behind SECURE_PROXY_SSL_HEADER) would answer the probe 301 and never be healthy.
 */
function probedAsProxied(service: Service, proxy: ProxyConfig): Service {
  if (service.health?.kind !== "http" || !proxy.routes.some((route) => route.service === service.name)) return service;
  return { ...service, health: { ...service.health, forwardedProto: "https" } };
}

/** The default stack name: the directory's name, made valid. */
export function stackNameFromDirectory(directory: string): string {
  return toStackName(basename(resolve(directory)));
}

/** A valid stack name from any text: "My App_2" -> "my-app-2". */
export function toStackName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return name || DEFAULTS.stackName;
}

function resolveService(name: string, entry: ServiceEntry, root: string, stackUser: string | undefined): Service {
  const health = resolveHealth(entry.health);
  return {
    name,
    command: entry.command,
    cwd: resolve(root, entry.cwd ?? "."),
    env: stringifyValues(entry.env),
    replicas: entry.replicas ?? DEFAULTS.service.replicas,
    port: resolvePort(entry.port, entry.command, health),
    health,
    restart: entry.restart === false ? "no" : (entry.restart ?? DEFAULTS.service.restart),
    stopGraceMs: durationToMs(entry.stop_grace ?? DEFAULTS.service.stopGrace),
    dependsOn: unique(entry.depends_on ?? []),
    runAs: entry.user ?? stackUser ?? null,
    ...(entry.watch ? { watch: resolveWatch(entry.watch, root) } : {}),
  };
}

function resolveWatch(entry: WatchEntry, root: string): { paths: string[]; ignore: string[] } {
  const paths = Array.isArray(entry) ? entry : entry.paths;
  return { paths: paths.map((path) => resolve(root, path)), ignore: Array.isArray(entry) ? [] : [...(entry.ignore ?? [])] };
}

// Without an explicit `port`, a service gets one exactly when something will use it: the command
// mentions $PORT, or a probe has to connect to it.
const MENTIONS_PORT = /\$(?:PORT|\{PORT)(?![A-Za-z0-9_])/;

function resolvePort(port: ServiceEntry["port"], command: string, health: HealthCheck | null): PortPolicy {
  if (port === true || port === "auto") return { kind: "auto" };
  if (port === false) return { kind: "none" };
  if (typeof port === "number") return { kind: "fixed", base: port };
  const probed = health?.kind === "http" || health?.kind === "tcp";
  return MENTIONS_PORT.test(command) || probed ? { kind: "auto" } : { kind: "none" };
}

function resolveHealth(entry: HealthEntry | undefined): HealthCheck | null {
  if (!entry) return null;
  const probe = {
    intervalMs: durationToMs(entry.interval ?? DEFAULTS.health.interval),
    timeoutMs: durationToMs(entry.timeout ?? DEFAULTS.health.timeout),
    retries: entry.retries ?? DEFAULTS.health.retries,
    startPeriodMs: durationToMs(entry.start_period ?? DEFAULTS.health.startPeriod),
  };
  if (entry.http !== undefined) {
    return { kind: "http", path: entry.http, status: entry.status ?? DEFAULTS.health.status, host: entry.host ?? null, probe };
  }
  if (entry.command !== undefined) return { kind: "command", command: entry.command, probe };
  return { kind: "tcp", probe };
}

function stringifyValues(values: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, String(value)]));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
