import { join, resolve } from "node:path";
import { DEFAULTS, isRuntimeVariable } from "./defaults.js";
import { resolveRuntimeReferences } from "./runtime-references.js";
import type { Service, Stack } from "./types.js";

// The environment contract for processes berth starts, lowest precedence first: the daemon's own
// environment, the stack's env (env_file + env:), the service's env, secrets, then what berth
// itself provides (DATABASE_URL, BERTH_*, PORT), which nothing in berth.yml can override.

export interface TaskEnvOptions {
  stack: Stack;
  /** Secret values by name, from ensureSecrets(). */
  secrets: Record<string, string>;
  /** The stack's persistent data directory (where the default SQLite file lives). */
  dataDir: string;
  /** The environment berth itself runs with; processes inherit it (PATH, HOME, LANG...). */
  baseEnv: NodeJS.ProcessEnv | Record<string, string>;
  /** Release id, exposed as BERTH_RELEASE when known. */
  release?: string;
  /** DATABASE_URL, PG* and REDIS_URL of the servers berth runs for the stack (src/backing's backingEnv). */
  backingEnv?: Record<string, string>;
}

export interface ServiceEnvOptions extends TaskEnvOptions {
  service: Service;
  /** 0-based replica index. */
  replica: number;
  /** The port this replica listens on, or null when the service has none. */
  port: number | null;
}

// Set by berth per process; stale copies inherited from berth's own environment (say, when berth
// runs under another supervisor) must not leak into processes they do not describe.
const PER_PROCESS_VARIABLES = ["PORT", "BERTH_SERVICE", "BERTH_REPLICA", "BERTH_RELEASE", "BERTH_DATA_DIR"];

export function buildServiceEnv(options: ServiceEnvOptions): Record<string, string> {
  const env = buildCommonEnv(options, options.service.env);
  env.BERTH_SERVICE = options.service.name;
  env.BERTH_REPLICA = String(options.replica);
  if (options.port !== null) env.PORT = String(options.port);
  resolveRuntimeReferences(env, [...Object.keys(options.stack.env), ...Object.keys(options.service.env)], providedNames(options, env));
  return env;
}

/** The environment of one-off commands and release tasks: no PORT, no replica, no BERTH_SERVICE. */
export function buildTaskEnv(options: TaskEnvOptions): Record<string, string> {
  const env = buildCommonEnv(options, {});
  resolveRuntimeReferences(env, Object.keys(options.stack.env), providedNames(options, env));
  return env;
}

/** What berth itself gives a process, which `${NAME}` in env values may refer to. */
function providedNames(options: TaskEnvOptions, env: Record<string, string>): Set<string> {
  const names = new Set([...Object.keys(options.secrets), ...Object.keys(options.backingEnv ?? {})]);
  for (const name of Object.keys(env)) if (isRuntimeVariable(name)) names.add(name);
  return names;
}

/** Absolute path of the stack's SQLite database file. */
export function sqliteDatabasePath(stack: Stack, dataDir: string): string {
  const file = stack.database.engine === "sqlite" ? stack.database.file : null;
  return file ? resolve(stack.root, file) : join(resolve(dataDir), DEFAULTS.database.fileName);
}

/** `sqlite:////abs/path`: scheme, empty host, then the absolute path (as dj-database-url and SQLAlchemy read it). */
export function sqliteDatabaseUrl(absolutePath: string): string {
  return `sqlite:///${absolutePath}`;
}

function buildCommonEnv(options: TaskEnvOptions, serviceEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.baseEnv)) {
    if (value !== undefined && !PER_PROCESS_VARIABLES.includes(name)) env[name] = value;
  }
  Object.assign(env, options.stack.env, serviceEnv, options.secrets);
  const { database } = options.stack;
  if (database.engine === "sqlite") env.DATABASE_URL = sqliteDatabaseUrl(sqliteDatabasePath(options.stack, options.dataDir));
  if (database.engine === "external") env.DATABASE_URL = database.url;
  Object.assign(env, options.backingEnv);
  env.BERTH_STACK = options.stack.name;
  // The stack's persistent directory (kept across releases, deleted only by `down -v`).
  env.BERTH_DATA_DIR = resolve(options.dataDir);
  if (options.release !== undefined) env.BERTH_RELEASE = options.release;
  return env;
}
