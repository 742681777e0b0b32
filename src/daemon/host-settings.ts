import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { isMap, LineCounter, parseDocument, type Document } from "yaml";
import { describeValue, sortDiagnostics, suggest, toDiagnostic, type Problem } from "../config/diagnostics.js";
import { yamlErrorToDiagnostic } from "../config/yaml-errors.js";
import { createYamlLocator, keyText, type KeyPath } from "../config/yaml-locator.js";
import { UserError, type Diagnostic } from "../errors.js";
import { ACME_CA_FILE_ENV } from "./host-settings-env.js";
import { defaultListenerSettings, isValidPort, isValidWorkerCount, MAX_WORKERS, PROXY_ENV } from "../proxy/listener-settings.js";
import type { ListenerSettings } from "../proxy/types.js";

// Settings of the host rather than of one stack: where the shared proxy listens and which CA the
// ACME client trusts. They live in $BERTH_HOME/host.yml, which the systemd unit and a daemon the
// CLI starts read alike; an environment variable overrides its key for one daemon start.

export const HOST_SETTINGS_FILE = "host.yml";
export { HOST_SETTINGS_ENV } from "./host-settings-env.js";

export interface HostSettings {
  proxy: ListenerSettings;
  /** A PEM file of extra CAs trusted for the ACME directory's own HTTPS (a private ACME server, pebble in tests). */
  acmeCaFile: string | null;
  /** Where the values came from, for messages: "/root/.berth/host.yml + env BERTH_HTTP_PORT". */
  source: string;
  dashboard: DashboardSettings;
}

/** host.yml `dashboard:`: its loopback port, and the host name it is published on through the proxy (HTTPS only). */
export interface DashboardSettings {
  port: number | null;
  host: string | null;
  tls: "self-signed" | "acme";
}

const KNOWN_KEYS: Record<string, readonly string[]> = {
  "": ["proxy", "acme", "dashboard"],
  dashboard: ["host", "tls", "port"],
  proxy: ["address", "http_port", "https_port", "workers"],
  acme: ["ca_file"],
};

/** The host settings: defaults, then host.yml, then the environment; every problem reported at once. */
export function readHostSettings(home: string, env: NodeJS.ProcessEnv, cores: number = availableParallelism()): HostSettings {
  const file = join(home, HOST_SETTINGS_FILE);
  const proxy = defaultListenerSettings(cores);
  let acmeCaFile: string | null = null;
  const dashboard: DashboardSettings = { port: null, host: null, tls: "self-signed" };
  const sources: string[] = [];

  const text = readOptionalFile(file);
  if (text !== null) {
    sources.push(file);
    const values = parseHostFile(text, file);
    if (values.address !== undefined) proxy.address = values.address;
    if (values.httpPort !== undefined) proxy.httpPort = values.httpPort;
    if (values.httpsPort !== undefined) proxy.httpsPort = values.httpsPort;
    if (values.workers !== undefined) proxy.workers = values.workers;
    if (values.acmeCaFile !== undefined) acmeCaFile = resolve(dirname(file), values.acmeCaFile);
    if (values.dashboard) Object.assign(dashboard, values.dashboard);
  }

  const overridden: string[] = [];
  const problems: string[] = [];
  const fromEnv = (name: string, apply: (value: string) => string | null) => {
    const value = env[name];
    if (value === undefined || value === "") return;
    const problem = apply(value);
    if (problem) problems.push(`${name}=${JSON.stringify(value)}: ${problem}`);
    else overridden.push(name);
  };
  fromEnv(PROXY_ENV.address, (value) => (isIP(value) ? ((proxy.address = value), null) : "expected an IP address such as 127.0.0.1 or ::"));
  fromEnv(PROXY_ENV.httpPort, (value) => (isValidPort(Number(value)) ? ((proxy.httpPort = Number(value)), null) : "expected a port from 1 to 65535"));
  fromEnv(PROXY_ENV.httpsPort, (value) => (isValidPort(Number(value)) ? ((proxy.httpsPort = Number(value)), null) : "expected a port from 1 to 65535"));
  fromEnv(PROXY_ENV.workers, (value) =>
    isValidWorkerCount(Number(value)) ? ((proxy.workers = Number(value)), null) : `expected a whole number of workers from 1 to ${MAX_WORKERS}`,
  );
  fromEnv(ACME_CA_FILE_ENV, (value) => ((acmeCaFile = resolve(value)), null));
  if (problems.length > 0) {
    throw new UserError(`invalid host setting${problems.length === 1 ? "" : "s"} in the environment: ${problems.join("; ")}`, {
      hint: `fix or unset ${problems.length === 1 ? "that variable" : "those variables"}, or set the value in ${file}`,
    });
  }
  if (proxy.httpPort === proxy.httpsPort) {
    throw new UserError(`the proxy's HTTP and HTTPS ports are both ${proxy.httpPort}`, {
      hint: `give them different ports in ${file} (proxy.http_port, proxy.https_port) or with ${PROXY_ENV.httpPort}/${PROXY_ENV.httpsPort}`,
    });
  }

  const base = sources.length > 0 ? sources.join(" + ") : "defaults";
  return { proxy, acmeCaFile, source: overridden.length > 0 ? `${base} + env ${overridden.join(", ")}` : base, dashboard };
}

/** What changes from `a` to `b`, e.g. "https port 8443 → 9443, workers 2 → 4"; null when nothing does. */
export function describeSettingsDifference(a: HostSettings, b: HostSettings): string | null {
  const rows: [string, unknown, unknown][] = [
    ["proxy address", a.proxy.address, b.proxy.address],
    ["http port", a.proxy.httpPort, b.proxy.httpPort],
    ["https port", a.proxy.httpsPort, b.proxy.httpsPort],
    ["workers", a.proxy.workers, b.proxy.workers],
    ["max header bytes", a.proxy.maxHeaderBytes, b.proxy.maxHeaderBytes],
    ["header timeout (ms)", a.proxy.headersTimeoutMs, b.proxy.headersTimeoutMs],
    ["idle timeout (ms)", a.proxy.idleTimeoutMs, b.proxy.idleTimeoutMs],
    ["ACME CA file", a.acmeCaFile ?? "none", b.acmeCaFile ?? "none"],
    ["dashboard host", a.dashboard?.host ?? "none", b.dashboard?.host ?? "none"],
  ];
  const changes = rows.filter(([, before, after]) => before !== after).map(([name, before, after]) => `${name} ${String(before)} → ${String(after)}`);
  return changes.length > 0 ? changes.join(", ") : null;
}

interface HostFileValues {
  address?: string;
  httpPort?: number;
  httpsPort?: number;
  workers?: number;
  acmeCaFile?: string;
  dashboard?: Partial<DashboardSettings>;
}

function parseHostFile(text: string, file: string): HostFileValues {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locator = createYamlLocator(document, lineCounter, file);
  const diagnostics: Diagnostic[] = document.errors.map((error) => yamlErrorToDiagnostic(error, locator));
  if (diagnostics.length > 0) throw problemsFound(file, diagnostics);

  const problems = [...unknownKeys(document)];
  const raw: unknown = document.toJS();
  const values: HostFileValues = {};
  if (raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    problems.push({ path: [], message: `expected a map with \`proxy:\` and \`acme:\`, got ${describeValue(raw)}` });
  } else {
    const root = (raw ?? {}) as Record<string, unknown>;
    const section = (name: string): Record<string, unknown> => {
      const value = root[name];
      if (value === undefined || value === null) return {};
      if (typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
      problems.push({ path: [name], message: `expected a map, got ${describeValue(value)}` });
      return {};
    };
    const proxy = section("proxy");
    const acme = section("acme");
    const check = <T>(path: KeyPath, value: unknown, valid: (value: unknown) => value is T, expected: string): T | undefined => {
      if (value === undefined) return undefined;
      if (valid(value)) return value;
      problems.push({ path, message: `expected ${expected}, got ${describeValue(value)}` });
      return undefined;
    };
    values.address = check(["proxy", "address"], proxy.address, isIpAddress, "an IP address such as 127.0.0.1 or ::");
    values.httpPort = check(["proxy", "http_port"], proxy.http_port, isValidPort, "a port from 1 to 65535");
    values.httpsPort = check(["proxy", "https_port"], proxy.https_port, isValidPort, "a port from 1 to 65535");
    values.workers = check(["proxy", "workers"], proxy.workers, isValidWorkerCount, `a whole number of workers from 1 to ${MAX_WORKERS}`);
    values.acmeCaFile = check(["acme", "ca_file"], acme.ca_file, isNonEmptyString, "the path of a PEM file");
    const dashboard = section("dashboard");
    const dashboardValues = {
      host: check(["dashboard", "host"], dashboard.host, isHostName, "a host name such as ops.example.org"),
      tls: check(["dashboard", "tls"], dashboard.tls, isDashboardTls, "self-signed or acme (the dashboard is published over HTTPS only)"),
      port: check(["dashboard", "port"], dashboard.port, isDashboardPort, "a port from 0 (any free one) to 65535"),
    };
    values.dashboard = Object.fromEntries(Object.entries(dashboardValues).filter(([, value]) => value !== undefined));
  }
  if (problems.length > 0) throw problemsFound(file, problems.map((problem) => toDiagnostic(problem, locator)));
  return values;
}

/** Unknown keys at any known level, located at the key, with a "did you mean". */
function unknownKeys(document: Document): Problem[] {
  const problems: Problem[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (!isMap(node)) return;
    const known = KNOWN_KEYS[path.join(".")];
    if (!known) return;
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (!known.includes(key)) {
        const hint = suggest(key, known);
        problems.push({ path: [...path, key], at: "key", message: `unknown key \`${key}\``, hint: hint ?? `known keys: ${known.join(", ")}` });
      } else visit(pair.value, [...path, key]);
    }
  };
  visit(document.contents, []);
  return problems;
}

function isIpAddress(value: unknown): value is string {
  return typeof value === "string" && isIP(value) !== 0;
}

function isHostName(value: unknown): value is string {
  return typeof value === "string" && /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(value);
}

function isDashboardTls(value: unknown): value is DashboardSettings["tls"] {
  return value === "self-signed" || value === "acme";
}

function isDashboardPort(value: unknown): value is number {
  return value === 0 || isValidPort(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function readOptionalFile(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw new UserError(`cannot read ${file} (${code ?? "unknown error"})`, { hint: "check the file's permissions" });
  }
}

function problemsFound(file: string, diagnostics: Diagnostic[]): UserError {
  const count = diagnostics.length;
  return new UserError(`${file} has ${count} problem${count === 1 ? "" : "s"}`, {
    diagnostics: sortDiagnostics(diagnostics),
    hint: "host.yml holds `proxy: { address, http_port, https_port, workers }`, `acme: { ca_file }` and `dashboard: { port, host, tls }`",
  });
}
