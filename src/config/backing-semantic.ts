import type { Problem } from "./diagnostics.js";
import { isRecord } from "../util/is-record.js";

// Checks on `database:` and `redis:` that need more than one key: which options go with which
// engine, and names berth itself takes when it runs a database or Redis for the stack. Like
// semantic.ts, they read the raw data defensively, since the schema may not have accepted it.

/** Service names berth uses for the servers it runs, by what turns them on. */
export const BACKING_SERVICE_NAMES = { postgres: "postgres", mariadb: "mariadb", redis: "redis" } as const;

/** Variables berth sets when it runs the server, so an `env:` entry would silently do nothing. */
const VARIABLES_SET_FOR = {
  postgres: ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"],
  redis: ["REDIS_URL"],
} as const;

export function checkBackingSemantics(raw: Record<string, unknown>): Problem[] {
  const engine = databaseEngine(raw.database);
  const problems = isRecord(raw.database) ? checkDatabaseKeys(raw.database) : [];
  const running: (keyof typeof BACKING_SERVICE_NAMES)[] = [];
  if (engine === "postgres" || engine === "mariadb") running.push(engine);
  if (raw.redis === true) running.push("redis");
  problems.push(...checkServiceNames(raw.services, running));
  problems.push(...checkEnvNames(raw, running));
  return problems;
}

/** The engine `database:` asks for, or undefined when it is not one berth runs or knows. */
function databaseEngine(database: unknown): string | undefined {
  if (typeof database === "string") return database;
  if (isRecord(database) && typeof database.engine === "string" && database.url === undefined) return database.engine;
  return undefined;
}

function checkDatabaseKeys(database: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const at = (key: string, message: string, hint: string) => problems.push({ path: ["database", key], at: "key", message, hint });
  if (database.url !== undefined) {
    for (const key of ["engine", "file", "version", "extensions"].filter((key) => key in database)) {
      at(key, `\`${key}\` does not apply to a database given by \`url\``, `remove \`${key}\`; berth does not run a database given by url`);
    }
    return problems;
  }
  const engine = database.engine;
  if (engine === undefined) {
    problems.push({ path: ["database"], message: "missing `engine`", hint: "write e.g. `engine: postgres`, or `url:` for a database berth does not run" });
    return problems;
  }
  if (typeof engine !== "string") return problems;
  if ("file" in database && engine !== "sqlite") at("file", "`file` applies only to sqlite", "remove `file`");
  if ("extensions" in database && engine !== "postgres") at("extensions", "`extensions` applies only to postgres", "remove `extensions`");
  if ("version" in database && engine === "sqlite") at("version", "`version` applies to postgres and mariadb", "remove `version`");
  if (engine === "postgres" && typeof database.version === "number" && !Number.isInteger(database.version)) {
    problems.push({
      path: ["database", "version"],
      message: `expected a PostgreSQL major version such as 15, got ${database.version}`,
      hint: "write the major version only, e.g. `version: 15`",
    });
  }
  return problems;
}

function checkServiceNames(services: unknown, running: (keyof typeof BACKING_SERVICE_NAMES)[]): Problem[] {
  if (!isRecord(services)) return [];
  return running
    .filter((server) => BACKING_SERVICE_NAMES[server] in services)
    .map((server) => ({
      path: ["services", BACKING_SERVICE_NAMES[server]],
      at: "key" as const,
      message: `\`${BACKING_SERVICE_NAMES[server]}\` is the service berth runs for ${server === "redis" ? "`redis: true`" : `\`database: ${server}\``}`,
      hint: "rename this service; berth starts and supervises the server itself",
    }));
}

function checkEnvNames(raw: Record<string, unknown>, running: (keyof typeof BACKING_SERVICE_NAMES)[]): Problem[] {
  const reserved = running.flatMap((server) => (server === "mariadb" ? [] : VARIABLES_SET_FOR[server]));
  const envMaps: [PropertyKey[], unknown][] = [[["env"], raw.env]];
  if (isRecord(raw.services)) {
    for (const [name, service] of Object.entries(raw.services)) if (isRecord(service)) envMaps.push([["services", name, "env"], service.env]);
  }
  const problems: Problem[] = [];
  for (const [path, env] of envMaps) {
    if (!isRecord(env)) continue;
    for (const variable of Object.keys(env).filter((name) => (reserved as readonly string[]).includes(name))) {
      problems.push({
        path: [...path, variable],
        at: "key",
        message: `\`${variable}\` is set by berth`,
        hint: `remove it; berth sets it from \`${variable === "REDIS_URL" ? "redis" : "database"}:\``,
      });
    }
  }
  return problems;
}
