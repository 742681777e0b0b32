import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { isRuntimeVariable } from "./defaults.js";
import { POSTGRES_VARIABLES } from "./interpolation-sources.js";
import { readDjangoFacts, type DatabaseKind } from "./detect-django.js";
import { escapeInterpolation } from "./interpolate.js";
import { stackNameFromDirectory, toStackName } from "./resolve.js";

// What `berth init` learns about a project, in order of how explicit the project is about itself:
// a Procfile names its processes outright; then Django (manage.py), then Node (package.json);
// otherwise a commented template.

export type ProjectKind = "procfile" | "django" | "node" | "generic";

export interface DetectedService {
  name: string;
  command: string;
  port?: "auto";
  /** An HTTP path (with the Host to send when localhost would be refused), or a TCP connect. */
  health?: { http: string; host?: string } | { tcp: true };
  replicas?: number;
  /** Comment lines rendered above the service. */
  notes: string[];
}

export interface DetectedProxy {
  hosts: string[];
  /** URL prefix → directory relative to berth.yml. */
  static: Record<string, string>;
}

export interface Detection {
  kind: ProjectKind;
  /** Stack name. */
  name: string;
  /** One line for people: "Django project `pixel` (manage.py)". */
  summary: string;
  services: DetectedService[];
  release: string[];
  secrets: string[];
  /** Whether the directory has a .env file to reference as env_file. */
  hasEnvFile: boolean;
  /** Comment lines rendered at the top of the file. */
  notes: string[];
  /** Settings that will bite in production (DEBUG = True…): printed by `berth init` and written as comments. */
  warnings: string[];
  proxy: DetectedProxy;
  redis: boolean;
  /** The database berth runs for the stack. */
  database: DatabaseKind;
  env: Record<string, string>;
  shared: string[];
}

export function detectProject(directory: string): Detection {
  const base: Base = {
    name: stackNameFromDirectory(directory),
    // A .env directory (some projects keep .env/.dev-sample files there) is not an env file.
    hasEnvFile: isFile(join(directory, ".env")),
    secrets: [],
    notes: [],
    warnings: [],
    proxy: { hosts: ["localhost"], static: {} },
    redis: false,
    database: "sqlite",
    env: {},
    shared: [],
  };
  const detected =
    detectProcfile(directory, base) ??
    detectDjango(directory, base) ??
    detectDjangoBelow(directory, base) ??
    detectNode(directory, base) ?? {
      ...base,
      kind: "generic",
      summary: "no Procfile, manage.py or package.json found; a template to fill in",
      services: [
        {
          name: "web",
          command: "python3 -m http.server $PORT --bind 127.0.0.1",
          notes: ["Replace with your app's command. berth gives each replica a free port in $PORT."],
        },
      ],
      release: [],
    };
  return withHealthChecks(detected);
}

type Base = Omit<Detection, "kind" | "summary" | "services" | "release">;

/** Every service with a port gets a check (so deploys wait for it): HTTP / when nothing better is known. */
function withHealthChecks(detection: Detection): Detection {
  return {
    ...detection,
    services: detection.services.map((service) =>
      service.health || !(service.port === "auto" || MENTIONS_PORT.test(service.command)) ? service : { ...service, health: { http: "/" } },
    ),
  };
}

const MENTIONS_PORT = /\$\{?PORT\b/;

const PROCFILE_LINE = /^([A-Za-z0-9_-]+)\s*:\s*(.+)$/;

function detectProcfile(directory: string, base: Base): Detection | undefined {
  const text = readText(join(directory, "Procfile"));
  if (text === undefined) return undefined;
  const services: DetectedService[] = [];
  const release: string[] = [];
  const python = pythonOf(directory);
  for (const line of text.split(/\r?\n/)) {
    const match = PROCFILE_LINE.exec(line.trim());
    if (!match || line.trim().startsWith("#")) continue;
    // A Procfile holds shell commands: keep `$$` and `${...}` for the shell, not for berth.
    const command = inVirtualenv(escapeInterpolation(bindToLoopback((match[2] ?? "").trim()), isRuntimeVariable), python);
    if (match[1] === "release") release.push(command);
    else services.push({ name: toServiceName(match[1] ?? ""), command, notes: [] });
  }
  if (services.length === 0) return undefined;
  // What the app is (Django, Node) still tells the hosts, static files and the page to probe.
  const app = detectDjango(directory, base) ?? detectDjangoBelow(directory, base) ?? detectNode(directory, base);
  const appWeb = app?.services.find((service) => service.name === "web");
  const withWebKnowledge = services.map((service) =>
    service.name === "web" ? { ...service, port: "auto" as const, health: appWeb?.health ?? { http: "/" } } : service,
  );
  return {
    ...base,
    ...(app ? { proxy: app.proxy, warnings: app.warnings, secrets: app.secrets, shared: app.shared, database: app.database, env: app.env, redis: app.redis } : {}),
    kind: "procfile",
    notes: python.virtualenv ? virtualenvNotes(python.virtualenv, "requirements.txt") : base.notes,
    summary: `Procfile with ${services.map((s) => s.name).join(", ")}`,
    services: withWebKnowledge,
    release,
  };
}

/** Binds on every interface become loopback binds: the proxy is the only way in. */
export function bindToLoopback(command: string): string {
  return command.replace(/(^|[\s=:'"])0\.0\.0\.0(?=[:\s'"]|$)/g, "$1127.0.0.1").replace(/(^|[\s=])\[::\](?=:)/g, "$1127.0.0.1");
}

const SETTINGS_MODULE = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/;
const SECRET_FROM_ENV = /(?:environ(?:\.get)?\s*[[(]\s*|getenv\s*\(\s*|env(?:\.str)?\s*\(\s*)["']([A-Z][A-Z0-9_]*SECRET[A-Z0-9_]*)["']/g;

/** Folders that hold tools or dependencies, never the project. */
const NOT_PROJECT_FOLDERS = new Set(["node_modules", "venv", "env", "virtualenv", "site-packages", "docs", "tests", "test"]);

/**
 * A repository whose Django project sits one folder down (backend/manage.py, src/manage.py): the
 * same detection there, every command run in that folder, its paths relative to berth.yml.
 */
function detectDjangoBelow(directory: string, base: Base): Detection | undefined {
  let folders: string[];
  try {
    folders = readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && !NOT_PROJECT_FOLDERS.has(entry.name) && isFile(join(directory, entry.name, "manage.py")))
      .map((entry) => entry.name);
  } catch {
    return undefined;
  }
  if (folders.length !== 1) return undefined;
  const folder = folders[0]!;
  const detection = detectDjango(join(directory, folder), base, folder, pythonOf(directory, { fromCommands: "../" }));
  if (!detection) return undefined;
  const inFolder = (command: string) => `cd ${folder} && ${command}`;
  return {
    ...detection,
    summary: detection.summary.replace("(manage.py)", `(${folder}/manage.py)`),
    notes: [...detection.notes, `manage.py is in ${folder}/: every command runs there (cd ${folder}); paths below are from this file's directory.`],
    release: detection.release.map(inFolder),
    // exec: the replica is the server itself, which gets berth's signals.
    services: detection.services.map((service) => ({ ...service, command: inFolder(`exec ${service.command}`) })),
    proxy: { ...detection.proxy, static: Object.fromEntries(Object.entries(detection.proxy.static).map(([prefix, path]) => [prefix, `${folder}/${path}`])) },
    shared: detection.shared.map((path) => `${folder}/${path}`),
  };
}

/** `folder`: where the project is below berth.yml's directory ("" for the same); `outerPython`: a virtualenv in berth.yml's directory. */
function detectDjango(directory: string, base: Base, folder = "", outerPython?: Python): Detection | undefined {
  const manage = readText(join(directory, "manage.py"));
  if (manage === undefined) return undefined;
  const manageModule = SETTINGS_MODULE.exec(manage)?.[1];
  const projectPackage = manageModule?.split(".")[0] ?? findWsgiPackage(directory) ?? base.name.replace(/-/g, "_");
  // The server's entry point may name other settings than manage.py (cookiecutter-django: production
  // in wsgi.py, local in manage.py): the server's are the ones to read, and to run release tasks with.
  const entryPoint = readText(join(directory, projectPackage, "wsgi.py")) ?? readText(join(directory, projectPackage, "asgi.py")) ?? "";
  const serverModule = SETTINGS_MODULE.exec(entryPoint)?.[1];
  const settingsModule = serverModule ?? manageModule ?? `${projectPackage}.settings`;
  const settings = readSettings(directory, settingsModule);
  const facts = readDjangoFacts(directory, projectPackage, settings);
  const secrets = [...new Set([...settings.matchAll(SECRET_FROM_ENV)].map((match) => match[1] ?? ""))];
  const notes = secrets.length
    ? []
    : ["settings.py does not read its SECRET_KEY from the environment; to let berth keep one, add", "secrets: [DJANGO_SECRET_KEY] and read os.environ[\"DJANGO_SECRET_KEY\"] in settings.py."];
  const settingsEnv: Record<string, string> = {};
  if (serverModule && manageModule && serverModule !== manageModule) {
    settingsEnv.DJANGO_SETTINGS_MODULE = serverModule;
    notes.push(`The server runs ${serverModule} (manage.py defaults to ${manageModule}): every process gets DJANGO_SETTINGS_MODULE=${serverModule}, so release tasks use the server's settings.`);
  }
  const databaseVariables = Object.keys(facts.databaseEnv);
  if (databaseVariables.length > 0) {
    notes.push(`settings.py reads its database from ${databaseVariables.join(", ")}: env: below sets them from berth's PostgreSQL.`);
  } else if (!facts.readsDatabaseUrl) {
    notes.push("settings.py does not read DATABASE_URL; to use berth's database, set e.g.", "DATABASES = {\"default\": dj_database_url.config()} (package dj-database-url).");
  }
  if (/whitenoise/i.test(settings)) notes.push("WhiteNoise is in the settings: the proxy serves /static/ itself, faster; WhiteNoise stays as a fallback.");
  const probeHost = facts.hosts.includes("localhost") ? undefined : facts.hosts.find((host) => !host.startsWith("*."));
  const health = facts.healthPath ? { http: facts.healthPath, ...(probeHost ? { host: probeHost } : {}) } : { tcp: true as const };
  const own = pythonOf(directory, { fromBerthYml: folder ? `${folder}/` : "" });
  const python = own.virtualenv || !outerPython?.virtualenv ? own : outerPython;
  if (python.virtualenv) notes.push(...virtualenvNotes(python.virtualenv, folder ? `${folder}/requirements.txt` : "requirements.txt"));
  const webCommand =
    facts.asgiServer === "daphne"
      ? `${python.program("daphne")} -b 127.0.0.1 -p $PORT ${projectPackage}.asgi:application`
      : facts.asgiServer === "uvicorn"
        ? `${python.program("uvicorn")} ${projectPackage}.asgi:application --host 127.0.0.1 --port $PORT`
        : `${python.program("gunicorn")} ${projectPackage}.wsgi --bind 127.0.0.1:$PORT --workers 2`;
  const services: DetectedService[] = [
    {
      name: "web",
      command: webCommand,
      health,
      notes: [
        ...(facts.asgiServer ? [`Channels found: an ASGI server (${facts.asgiServer}) serves HTTP and websockets.`] : []),
        !("http" in health)
          ? "No page that answers without a login was found: the check only connects. Point `http:` at one."
          : `The health probe GETs ${facts.healthPath} and expects 200${probeHost ? ` (Host: ${probeHost}, from ALLOWED_HOSTS)` : ""}.`,
      ],
    },
  ];
  if (facts.celery) {
    services.push(
      { name: "worker", command: `${python.interpreter} -m celery -A ${projectPackage} worker --loglevel info`, notes: [`Celery found: a worker and (one) beat, with berth's Redis as the broker.`] },
      { name: "beat", command: `${python.interpreter} -m celery -A ${projectPackage} beat --loglevel info`, replicas: 1, notes: ["A scheduler must run exactly once: keep replicas at 1."] },
    );
  }
  const envFile = isFile(join(directory, ".env")) ? (readText(join(directory, ".env")) ?? "") : "";
  const env = {
    ...settingsEnv,
    // The project's .env sets the hosts itself (the user's own): env: would override it.
    ...Object.fromEntries(Object.entries(facts.allowedHostsEnv).filter(([name]) => !definesVariable(envFile, name))),
    ...(facts.celery || facts.brokerFromEnv ? { CELERY_BROKER_URL: "${REDIS_URL}", CELERY_RESULT_BACKEND: "${REDIS_URL}" } : {}),
    ...facts.databaseEnv,
  };
  const missing = requiredVariables(settings).filter(
    (name) => !secrets.includes(name) && !(name in env) && !isRuntimeVariable(name) && !POSTGRES_VARIABLES.includes(name) && !definesVariable(envFile, name),
  );
  const warnings = missing.length
    ? [...facts.warnings, `settings.py needs ${missing.join(", ")}, with no default: the app stops at start without ${missing.length > 1 ? "them" : "it"}; set ${missing.length > 1 ? "them" : "it"} in env: or .env (a secret with \`berth secret set NAME\`)`]
    : facts.warnings;
  return {
    ...base,
    kind: "django",
    summary: `Django project \`${projectPackage}\` (manage.py)`,
    secrets,
    notes,
    warnings,
    proxy: { hosts: facts.hosts, static: facts.static },
    redis: facts.redis,
    // Celery reads these variables itself when the app does not set a broker.
    env,
    database: facts.database,
    shared: facts.mediaDirectory ? [facts.mediaDirectory] : [],
    release: [
      `${python.interpreter} manage.py migrate --noinput`,
      ...(facts.hasStaticRoot ? [`${python.interpreter} manage.py collectstatic --noinput`] : []),
    ],
    services,
  };
}

function definesVariable(envFile: string, name: string): boolean {
  return new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=`, "m").test(envFile);
}

/** `os.environ["X"]`, and django-environ's or decouple's `env("X")` / `config("X")` with no default (here or in environ.Env(X=…)). */
function requiredVariables(settings: string): string[] {
  const declared = new Set([...(/environ\.Env\(([\s\S]*?)\)\s*$/m.exec(settings)?.[1] ?? "").matchAll(/\b([A-Z][A-Z0-9_]*)\s*=/g)].map((match) => match[1]!));
  const names = [
    ...[...settings.matchAll(/environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]/g)].map((match) => match[1]!),
    ...[...settings.matchAll(/(?<![\w.])(?:env(?:\.\w+)?|config)\(\s*["']([A-Z][A-Z0-9_]*)["']([^)]*)\)/g)]
      // A default by name, or decouple's second argument: config("X", "fallback").
      .filter((match) => !/\bdefault\s*=|^\s*,\s*(?:["'\d[]|True|False|None)/.test(match[2]!) && !declared.has(match[1]!))
      .map((match) => match[1]!),
  ];
  return [...new Set(names)];
}

/** Where `python -m venv`, virtualenv, Poetry and uv put a project's own environment. */
const VIRTUALENV_DIRECTORIES = [".venv", "venv", "env", ".virtualenv", "virtualenv"];

interface Python {
  /** The virtualenv's directory, relative to berth.yml's, if there is one. */
  virtualenv: string | undefined;
  interpreter: string;
  /** How to start a Python server program (gunicorn, daphne, celery…). */
  program: (name: string) => string;
}

/**
 * The project's Python: its virtualenv's when it has one, run as `python -m <program>` (which
 * finds the program whether it is installed in the virtualenv or visible to it, and keeps working
 * in a copied release, where the scripts' #! lines would point at the old directory); else the
 * system's python3 and the programs on PATH.
 */
function pythonOf(directory: string, { fromCommands = "", fromBerthYml = "" } = {}): Python {
  const found = VIRTUALENV_DIRECTORIES.find((name) => isFile(join(directory, name, "pyvenv.cfg")) && existsSync(join(directory, name, "bin", "python")));
  if (!found) return { virtualenv: undefined, interpreter: "python3", program: (name) => name };
  const virtualenv = `${fromBerthYml}${found}`;
  const interpreter = `${fromCommands}${found}/bin/python`;
  return { virtualenv, interpreter, program: (name) => `${interpreter} -m ${name}` };
}

function virtualenvNotes(virtualenv: string, requirements: string): string[] {
  return [
    `The virtualenv ${virtualenv}/ runs every command (${virtualenv}/bin/python). \`berth deploy\` copies it with the`,
    `directory; to deploy a git ref (where ${virtualenv}/ is not committed), build it in each release:`,
    `build: ["python3 -m venv ${virtualenv}", "${virtualenv}/bin/pip install -r ${requirements}"]`,
  ];
}

/** A Procfile's Python commands, run by the project's virtualenv (see pythonOf). */
function inVirtualenv(command: string, python: Python): string {
  if (!python.virtualenv) return command;
  return command.replace(/^(?:python3?|(gunicorn|daphne|uvicorn|celery|hypercorn|waitress-serve))(?=\s|$)/, (_whole, program: string | undefined) =>
    program ? python.program(program) : python.interpreter,
  );
}

function detectNode(directory: string, base: Base): Detection | undefined {
  const text = readText(join(directory, "package.json"));
  if (text === undefined) return undefined;
  let manifest: { name?: unknown; main?: unknown; scripts?: Record<string, unknown> };
  try {
    manifest = JSON.parse(text) as typeof manifest;
  } catch {
    return undefined;
  }
  const hasStart = typeof manifest.scripts?.start === "string";
  const static_ = nodeStaticMounts(directory, typeof manifest.main === "string" ? manifest.main : undefined);
  const main = typeof manifest.main === "string" ? manifest.main : "index.js";
  const packageName = typeof manifest.name === "string" ? manifest.name.replace(/^@[^/]+\//, "") : "";
  return {
    ...base,
    kind: "node",
    name: packageName ? toStackName(packageName) : base.name,
    summary: `Node app${packageName ? ` \`${packageName}\`` : ""} (package.json)`,
    release: typeof manifest.scripts?.migrate === "string" ? ["npm run migrate"] : [],
    proxy: { hosts: ["localhost"], static: static_ },
    services: [
      {
        name: "web",
        command: hasStart ? "npm start" : `node ${main}`,
        port: "auto",
        health: { http: "/" },
        notes: ["berth gives each replica a free port in $PORT: listen on process.env.PORT."],
      },
    ],
  };
}

const EXPRESS_STATIC = /\.use\(\s*["'](\/[^"']*)["']\s*,\s*express\.static\(\s*(?:path\.(?:join|resolve)\(\s*__dirname\s*,\s*)?["']\.?\/?([^"']+)["']/g;

/** `app.use("/assets", express.static("public"))`: the proxy serves the directory on that prefix. At the root it cannot (the app's own pages live there). */
function nodeStaticMounts(directory: string, main: string | undefined): Record<string, string> {
  const mounts: Record<string, string> = {};
  for (const file of new Set([main ?? "index.js", "index.js", "app.js", "server.js", "src/index.js", "src/app.js", "src/server.js"])) {
    for (const match of (readText(join(directory, file)) ?? "").matchAll(EXPRESS_STATIC)) {
      const prefix = match[1]!.replace(/\/*$/, "/");
      const folder = match[2]!.replace(/\/$/, "");
      if (prefix !== "/" && !folder.includes("..") && existsSync(join(directory, folder))) mounts[prefix] = folder;
    }
  }
  return mounts;
}

function findWsgiPackage(directory: string): string | undefined {
  const entries = readdirSync(directory, { withFileTypes: true });
  return entries.find((entry) => entry.isDirectory() && existsSync(join(directory, entry.name, "wsgi.py")))?.name;
}

/**
 * The settings module's text with what it imports from the project (`from .base import *`,
 * `from config.settings.base import *`), followed through. A settings package whose chosen file
 * imports nothing of its own (an empty __init__.py) is read whole.
 */
function readSettings(directory: string, settingsModule: string): string {
  const modulePath = join(directory, ...settingsModule.split("."));
  const texts: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readText(file);
    if (text === undefined) return;
    texts.push(text);
    for (const match of text.matchAll(/^from\s+(\.*)([\w.]*)\s+import\b/gm)) {
      const dots = match[1]!.length;
      const parts = match[2] ? match[2].split(".") : [];
      const root = dots > 0 ? join(dirname(file), ...Array<string>(dots - 1).fill("..")) : directory;
      const target = join(root, ...parts);
      visit(isFile(`${target}.py`) ? `${target}.py` : join(target, "__init__.py"));
    }
  };
  visit(isFile(`${modulePath}.py`) ? `${modulePath}.py` : join(modulePath, "__init__.py"));
  if (texts.length <= 1 && isDirectory(modulePath)) {
    for (const file of readdirSync(modulePath).filter((name) => name.endsWith(".py"))) texts.push(readText(join(modulePath, file)) ?? "");
  }
  return texts.join("\n");
}

function toServiceName(processType: string): string {
  const name = processType.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return /^[a-z]/.test(name) ? name : `p-${name}`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
