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
  /** The variable ALLOWED_HOSTS is read from, with the hosts to put in it (Django's spelling, its separator). */
  allowedHostsEnv: Record<string, string>;
  /** The project needs Redis (Celery, channels_redis, settings reading REDIS_URL or CELERY_BROKER_URL). */
  redis: boolean;
  /** The settings read Celery's broker from CELERY_BROKER_URL. */
  brokerFromEnv: boolean;
  /** The database berth should run: the engine the settings or requirements name, else SQLite. */
  database: DatabaseKind;
  /** The settings read DATABASE_URL (directly, dj-database-url or django-environ's env.db()). */
  readsDatabaseUrl: boolean;
  /** Variables the DATABASES setting reads (POSTGRES_DB…) → berth's libpq variable that fills each. */
  databaseEnv: Record<string, string>;
  warnings: string[];
}

const DEBUG_TRUE = /^DEBUG\s*=\s*True\b/m;
const EMPTY_ALLOWED_HOSTS = /^ALLOWED_HOSTS\s*=\s*\[\s*\]/m;
const ALLOWED_HOSTS_LIST = /^ALLOWED_HOSTS\s*=\s*\[([^\]]*)\]/m;
const ALLOWED_HOSTS_FROM_ENV = /^ALLOWED_HOSTS\s*=.*?["'][A-Z][A-Z0-9_]*["']\s*,\s*(?:default\s*=\s*)?["']([^"']*)["']/m;
/** `ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", …).split(",")`, `env.list("ALLOWED_HOSTS")`, decouple's `config("ALLOWED_HOSTS", cast=Csv())`… */
const ALLOWED_HOSTS_VARIABLE = /^ALLOWED_HOSTS\s*=.*?(?:environ\.get\(|environ\[|getenv\(|env(?:\.list|\.str)?\(|config\()\s*["']([A-Z][A-Z0-9_]*)["'](.*)$/m;
const QUOTED = /["']([^"']+)["']/g;
/** The last quoted path of the assignment, as in `BASE_DIR / "staticfiles"` or os.path.join(BASE_DIR, "static"). */
const settingPath = (name: string) => new RegExp(`^${name}\\s*=\\s*(.*)$`, "m");
const HOST_NAME = /^(?:\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export type DatabaseKind = "sqlite" | "postgres" | "mariadb";

/** dj-database-url and django-environ read DATABASE_URL when given no other name. */
const READS_DATABASE_URL = /DATABASE_URL|dj_database_url\.config\(\s*(?![^)]*\benv\s*=)|\benv\.db(?:_url)?\(\s*\)/;
/** `"USER": os.environ.get("POSTGRES_USER", …)`, `env("DB_USER")`, decouple's `config("DB_USER")`… */
const DATABASE_FIELD_FROM_ENV = /["'](NAME|USER|PASSWORD|HOST|PORT)["']\s*:\s*(?:int\(\s*)?(?:os\.)?(?:environ\.get\(|environ\[|getenv\(|env(?:\.str|\.int)?\(|config\()\s*["']([A-Za-z_][A-Za-z0-9_]*)["']/g;
const LIBPQ_VARIABLE: Record<string, string> = { NAME: "PGDATABASE", USER: "PGUSER", PASSWORD: "PGPASSWORD", HOST: "PGHOST", PORT: "PGPORT" };

function databaseKind(settings: string, requirements: string): DatabaseKind {
  if (/django\.db\.backends\.postgresql|postgis|["']postgres(?:ql)?:\/\//.test(settings) || /^\s*["']?psycopg/im.test(requirements)) return "postgres";
  if (/django\.db\.backends\.mysql|["']mysql:\/\//.test(settings) || /^\s*["']?(?:mysqlclient|pymysql)\b/im.test(requirements)) return "mariadb";
  return "sqlite";
}

/** Each assignment of DATABASES in the settings (to its closing brace): a later one may override startproject's. */
function databasesBlocks(settings: string): string[] {
  const blocks: string[] = [];
  for (const start of settings.matchAll(/^DATABASES\s*=\s*\{/gm)) {
    let depth = 0;
    let end = settings.length;
    for (let index = start.index! + start[0].length - 1; index < settings.length; index++) {
      if (settings[index] === "{") depth++;
      else if (settings[index] === "}" && --depth === 0) {
        end = index + 1;
        break;
      }
    }
    blocks.push(settings.slice(start.index, end));
  }
  return blocks;
}

/** For a PostgreSQL project that names its connection fields by variable: each variable from berth's libpq one. */
function databaseEnvironment(settings: string, kind: DatabaseKind): Record<string, string> {
  if (kind !== "postgres") return {};
  const env: Record<string, string> = {};
  for (const match of databasesBlocks(settings).join("\n").matchAll(DATABASE_FIELD_FROM_ENV)) {
    const variable = match[2]!;
    if (variable === "DATABASE_URL" || variable.startsWith("PG")) continue;
    env[variable] = `\${${LIBPQ_VARIABLE[match[1]!]!}}`;
  }
  return env;
}

export function readDjangoFacts(directory: string, projectPackage: string, settings: string): DjangoFacts {
  const warnings: string[] = [];
  if (DEBUG_TRUE.test(settings)) {
    warnings.push("settings.py has DEBUG = True: visitors would see tracebacks and settings; read it from the environment, e.g. DEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\"");
  }
  if (EMPTY_ALLOWED_HOSTS.test(settings)) {
    warnings.push("settings.py has ALLOWED_HOSTS = []: with DEBUG off Django answers 400 to every request; list your domains (berth serves localhost meanwhile)");
  }
  if (!/SECURE_PROXY_SSL_HEADER/.test(settings)) {
    warnings.push("settings.py does not set SECURE_PROXY_SSL_HEADER: behind berth's HTTPS proxy Django takes every request for plain HTTP, and Django 4 and later refuse forms posted from the HTTPS page (\"CSRF verification failed: Origin checking failed\"), the admin's login included; add SECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\") (berth's proxy sets that header on every request and replaces one a client sends)");
  }
  const staticMounts: Record<string, string> = {};
  const staticRoot = pathSetting(settings, "STATIC_ROOT");
  if (staticRoot) staticMounts[urlPrefix(settings, "STATIC_URL", "/static/")] = staticRoot;
  else if (settingPath("STATIC_ROOT").test(settings)) {
    warnings.push("settings.py sets STATIC_ROOT outside the project (or from a variable): berth's proxy serves static files only from a folder inside it, and runs collectstatic only for one; set STATIC_ROOT = BASE_DIR / \"staticfiles\" and run `berth init` again");
  } else if (/django\.contrib\.staticfiles/.test(settings)) {
    warnings.push("settings.py sets no STATIC_ROOT: behind gunicorn the admin's and your own CSS and JS answer 404; add STATIC_ROOT = BASE_DIR / \"staticfiles\" and run `berth init` again (berth then runs collectstatic and its proxy serves them)");
  }
  const mediaRoot = pathSetting(settings, "MEDIA_ROOT");
  if (mediaRoot) staticMounts[urlPrefix(settings, "MEDIA_URL", "/media/")] = mediaRoot;

  const packageDir = join(directory, projectPackage);
  const packageSources = readPythonFiles(packageDir);
  const celery = existsSync(join(packageDir, "celery.py")) || /\bCelery\s*\(/.test(packageSources);
  const channels = /["']channels["']/.test(settings) || /ProtocolTypeRouter/.test(readText(join(packageDir, "asgi.py")));
  const requirements = readRequirements(directory);
  const database = databaseKind(settings, requirements);
  const asgiServer = !channels ? null : /["']daphne["']/.test(settings) || /^daphne\b/im.test(requirements) ? "daphne" : "uvicorn";
  const hosts = allowedHosts(settings);
  return {
    hosts,
    allowedHostsEnv: allowedHostsEnvironment(settings, hosts),
    static: staticMounts,
    mediaDirectory: mediaRoot,
    hasStaticRoot: staticRoot !== null,
    healthPath: healthPath(directory, projectPackage),
    celery,
    asgiServer,
    redis: celery || /channels_redis|["'](?:REDIS_URL|CELERY_BROKER_URL)["']/.test(settings),
    brokerFromEnv: /["']CELERY_BROKER_URL["']/.test(settings),
    database,
    readsDatabaseUrl: READS_DATABASE_URL.test(settings),
    databaseEnv: databaseEnvironment(settings, database),
    warnings,
  };
}

/**
 * A project that reads ALLOWED_HOSTS from a variable gets it set to the hosts the proxy serves
 * (and localhost, which health checks use): without it Django answers 400 to every request, or
 * does not start when the variable has no default.
 */
function allowedHostsEnvironment(settings: string, hosts: string[]): Record<string, string> {
  const match = ALLOWED_HOSTS_VARIABLE.exec(settings);
  if (!match) return {};
  const separator = /\.split\(\s*\)|\.split\(\s*["'] ["']\s*\)/.test(match[2]!) ? " " : ",";
  const djangoHosts = [...new Set([...hosts, "localhost"])].map((host) => (host.startsWith("*.") ? host.slice(1) : host));
  return { [match[1]!]: djangoHosts.join(separator) };
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

/** requirements*.txt, requirements/*.txt (base.txt, production.txt…), pyproject.toml, Pipfile. */
function readRequirements(directory: string): string {
  const filesIn = (folder: string, pattern: RegExp) => {
    try {
      return readdirSync(folder)
        .filter((name) => pattern.test(name))
        .map((name) => readText(join(folder, name)));
    } catch {
      return [];
    }
  };
  return [...filesIn(directory, /^requirements.*\.txt$|^pyproject\.toml$|^Pipfile$/), ...filesIn(join(directory, "requirements"), /\.txt$/)].join("\n");
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
