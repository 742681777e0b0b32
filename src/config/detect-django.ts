import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// What `berth init` reads out of a Django project's settings, URLconf and requirements, by
// pattern (settings are Python, never run): the hosts to serve, where static and media files are,
// a page that answers 200 without a login, Celery and Channels, and settings to warn about.

export interface DjangoFacts {
  /** From ALLOWED_HOSTS (literal list, or the default of an environment lookup); else localhost. */
  hosts: string[];
  /** URL prefix → directory relative to the project, for STATIC_* and MEDIA_*. */
  static: Record<string, string>;
  mediaDirectory: string | null;
  hasStaticRoot: boolean;
  /** /admin/login/ when the admin is routed, / when the URLconf has a root page, else null (tcp). */
  healthPath: string | null;
  /** A Celery app: `<package>/celery.py`, or a Celery( call in the package. */
  celery: boolean;
  /** ASGI server for a Channels project, or null for WSGI. */
  asgiServer: "daphne" | "uvicorn" | null;
  /** The project needs Redis (Celery, channels_redis). */
  redis: boolean;
  warnings: string[];
}

const DEBUG_TRUE = /^DEBUG\s*=\s*True\b/m;
const EMPTY_ALLOWED_HOSTS = /^ALLOWED_HOSTS\s*=\s*\[\s*\]/m;
const ALLOWED_HOSTS_LIST = /^ALLOWED_HOSTS\s*=\s*\[([^\]]*)\]/m;
const ALLOWED_HOSTS_FROM_ENV = /^ALLOWED_HOSTS\s*=.*?["']ALLOWED_HOSTS["']\s*,\s*(?:default\s*=\s*)?["']([^"']*)["']/m;
const QUOTED = /["']([^"']+)["']/g;
/** The last quoted path of the assignment, as in `BASE_DIR / "staticfiles"` or os.path.join(BASE_DIR, "static"). */
const settingPath = (name: string) => new RegExp(`^${name}\\s*=\\s*(.*)$`, "m");
const HOST_NAME = /^(?:\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export function readDjangoFacts(directory: string, projectPackage: string, settings: string): DjangoFacts {
  const warnings: string[] = [];
  if (DEBUG_TRUE.test(settings)) {
    warnings.push("settings.py has DEBUG = True: visitors would see tracebacks and settings; read it from the environment, e.g. DEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\"");
  }
  if (EMPTY_ALLOWED_HOSTS.test(settings)) {
    warnings.push("settings.py has ALLOWED_HOSTS = []: with DEBUG off Django answers 400 to every request; list your domains (berth serves localhost meanwhile)");
  }
  const staticMounts: Record<string, string> = {};
  const staticRoot = pathSetting(settings, "STATIC_ROOT");
  if (staticRoot) staticMounts[urlPrefix(settings, "STATIC_URL", "/static/")] = staticRoot;
  else if (/django\.contrib\.staticfiles/.test(settings)) {
    warnings.push("settings.py sets no STATIC_ROOT: behind gunicorn the admin's and your own CSS and JS answer 404; add STATIC_ROOT = BASE_DIR / \"staticfiles\" and run `berth init` again (berth then runs collectstatic and its proxy serves them)");
  }
  const mediaRoot = pathSetting(settings, "MEDIA_ROOT");
  if (mediaRoot) staticMounts[urlPrefix(settings, "MEDIA_URL", "/media/")] = mediaRoot;

  const packageDir = join(directory, projectPackage);
  const packageSources = readPythonFiles(packageDir);
  const celery = existsSync(join(packageDir, "celery.py")) || /\bCelery\s*\(/.test(packageSources);
  const channels = /["']channels["']/.test(settings) || /ProtocolTypeRouter/.test(readText(join(packageDir, "asgi.py")));
  const requirements = readRequirements(directory);
  const asgiServer = !channels ? null : /["']daphne["']/.test(settings) || /^daphne\b/im.test(requirements) ? "daphne" : "uvicorn";
  return {
    hosts: allowedHosts(settings),
    static: staticMounts,
    mediaDirectory: mediaRoot,
    hasStaticRoot: staticRoot !== null,
    healthPath: healthPath(directory, projectPackage),
    celery,
    asgiServer,
    redis: celery || /channels_redis/.test(settings),
    warnings,
  };
}

function allowedHosts(settings: string): string[] {
  const written = ALLOWED_HOSTS_LIST.exec(settings)?.[1] ?? ALLOWED_HOSTS_FROM_ENV.exec(settings)?.[1]?.replace(/,/g, " ") ?? "";
  const candidates = ALLOWED_HOSTS_LIST.test(settings) ? [...written.matchAll(QUOTED)].map((match) => match[1]!) : written.split(/\s+/);
  const hosts = candidates
    .map((host) => host.trim().toLowerCase())
    // Django's ".example.org" is the domain and its subdomains.
    .flatMap((host) => (host.startsWith(".") ? [host.slice(1), `*${host}`] : [host]))
    .filter((host) => host !== "" && host !== "*" && HOST_NAME.test(host) && !/^[\d.]+$/.test(host));
  return hosts.length > 0 ? [...new Set(hosts)] : ["localhost"];
}

function pathSetting(settings: string, name: string): string | null {
  const line = settingPath(name).exec(settings)?.[1];
  if (!line) return null;
  const quoted = [...line.matchAll(QUOTED)].map((match) => match[1]!);
  const last = quoted.at(-1);
  if (!last || last.startsWith("/") || last.includes("..")) return null;
  return last.replace(/^\.\//, "").replace(/\/$/, "") || null;
}

function urlPrefix(settings: string, name: string, fallback: string): string {
  const value = [...(settingPath(name).exec(settings)?.[1] ?? "").matchAll(QUOTED)].map((match) => match[1]!)[0];
  if (!value || /^[a-z]+:\/\//i.test(value)) return fallback;
  return `/${value.replace(/^\/+/, "").replace(/\/*$/, "")}/`;
}

function healthPath(directory: string, projectPackage: string): string | null {
  const urls = readText(join(directory, projectPackage, "urls.py"));
  if (/admin\.site\.urls/.test(urls)) return "/admin/login/";
  if (/path\(\s*["']["']|re_path\(\s*r?["']\^\$["']|url\(\s*r?["']\^\$["']/.test(urls)) return "/";
  return null;
}

function readPythonFiles(directory: string): string {
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith(".py"))
      .map((name) => readText(join(directory, name)))
      .join("\n");
  } catch {
    return "";
  }
}

function readRequirements(directory: string): string {
  try {
    return readdirSync(directory)
      .filter((name) => /^requirements.*\.txt$|^pyproject\.toml$|^Pipfile$/.test(name))
      .map((name) => readText(join(directory, name)))
      .join("\n");
  } catch {
    return "";
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
