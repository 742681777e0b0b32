import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isRuntimeVariable } from "./defaults.js";
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
  health?: { http: string };
  /** Comment lines rendered above the service. */
  notes: string[];
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
}

export function detectProject(directory: string): Detection {
  const base = { name: stackNameFromDirectory(directory), hasEnvFile: existsSync(join(directory, ".env")), secrets: [], notes: [] };
  return (
    detectProcfile(directory, base) ??
    detectDjango(directory, base) ??
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
    }
  );
}

type Base = Pick<Detection, "name" | "hasEnvFile" | "secrets" | "notes">;

const PROCFILE_LINE = /^([A-Za-z0-9_-]+)\s*:\s*(.+)$/;

function detectProcfile(directory: string, base: Base): Detection | undefined {
  const text = readText(join(directory, "Procfile"));
  if (text === undefined) return undefined;
  const services: DetectedService[] = [];
  const release: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = PROCFILE_LINE.exec(line.trim());
    if (!match || line.trim().startsWith("#")) continue;
    // A Procfile holds shell commands: keep `$$` and `${...}` for the shell, not for berth.
    const command = escapeInterpolation((match[2] ?? "").trim(), isRuntimeVariable);
    if (match[1] === "release") release.push(command);
    else services.push({ name: toServiceName(match[1] ?? ""), command, notes: [] });
  }
  if (services.length === 0) return undefined;
  return { ...base, kind: "procfile", summary: `Procfile with ${services.map((s) => s.name).join(", ")}`, services, release };
}

const SETTINGS_MODULE = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/;
const SECRET_FROM_ENV = /(?:environ(?:\.get)?\s*[[(]\s*|getenv\s*\(\s*|env(?:\.str)?\s*\(\s*)["']([A-Z][A-Z0-9_]*SECRET[A-Z0-9_]*)["']/g;

function detectDjango(directory: string, base: Base): Detection | undefined {
  const manage = readText(join(directory, "manage.py"));
  if (manage === undefined) return undefined;
  const settingsModule = SETTINGS_MODULE.exec(manage)?.[1] ?? findWsgiPackage(directory)?.concat(".settings");
  const projectPackage = settingsModule?.split(".")[0] ?? base.name.replace(/-/g, "_");
  const settings = settingsModule ? readSettings(directory, settingsModule) : "";
  const secrets = [...new Set([...settings.matchAll(SECRET_FROM_ENV)].map((match) => match[1] ?? ""))];
  const notes = secrets.length
    ? []
    : ["settings.py does not read its SECRET_KEY from the environment; to let berth generate one, add", "secrets: [DJANGO_SECRET_KEY] and read os.environ[\"DJANGO_SECRET_KEY\"] in settings.py."];
  if (!settings.includes("DATABASE_URL")) {
    notes.push("settings.py does not read DATABASE_URL; to use berth's database, set e.g.", "DATABASES = {\"default\": dj_database_url.config()} (package dj-database-url).");
  }
  if (existsSync(join(directory, projectPackage, "celery.py"))) {
    notes.push(`Celery found (${projectPackage}/celery.py): once a broker is available, add a service`, `worker: { command: celery -A ${projectPackage} worker --loglevel info }`);
  }
  return {
    ...base,
    kind: "django",
    summary: `Django project \`${projectPackage}\` (manage.py)`,
    secrets,
    notes,
    release: [
      "python3 manage.py migrate --noinput",
      ...(/STATIC_ROOT/.test(settings) ? ["python3 manage.py collectstatic --noinput"] : []),
    ],
    services: [
      {
        name: "web",
        command: `gunicorn ${projectPackage}.wsgi --bind 127.0.0.1:$PORT --workers 2`,
        health: { http: "/" },
        notes: [
          "The health probe GETs / and expects 200: point `http:` at a page that answers 200 without",
          "a login. It sends `Host: localhost`, which Django rejects (400) unless ALLOWED_HOSTS has it:",
          "add \"localhost\" there, or set `host:` under health to one of your domains.",
        ],
      },
    ],
  };
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
  const main = typeof manifest.main === "string" ? manifest.main : "index.js";
  const packageName = typeof manifest.name === "string" ? manifest.name.replace(/^@[^/]+\//, "") : "";
  return {
    ...base,
    kind: "node",
    name: packageName ? toStackName(packageName) : base.name,
    summary: `Node app${packageName ? ` \`${packageName}\`` : ""} (package.json)`,
    release: typeof manifest.scripts?.migrate === "string" ? ["npm run migrate"] : [],
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

function findWsgiPackage(directory: string): string | undefined {
  const entries = readdirSync(directory, { withFileTypes: true });
  return entries.find((entry) => entry.isDirectory() && existsSync(join(directory, entry.name, "wsgi.py")))?.name;
}

/** The settings module and, for a settings package (settings/base.py...), its siblings. */
function readSettings(directory: string, settingsModule: string): string {
  const modulePath = join(directory, ...settingsModule.split("."));
  const texts = [readText(`${modulePath}.py`) ?? ""];
  for (const folder of [modulePath, join(modulePath, "..")]) {
    if (!folder.endsWith("settings") || !existsSync(folder)) continue;
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".py"))) texts.push(readText(join(folder, file)) ?? "");
  }
  return texts.join("\n");
}

function toServiceName(processType: string): string {
  const name = processType.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return /^[a-z]/.test(name) ? name : `p-${name}`;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
