import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";

// Finds the server programs installed on the host. Debian keeps PostgreSQL's in
// /usr/lib/postgresql/<major>/bin (several majors can live side by side; only wrappers are on
// PATH) and MariaDB's server in /usr/sbin. A BERTH_*_BIN_DIR variable names the one directory to
// use instead, for builds installed elsewhere.

export type Lookup<T> = { ok: true; value: T } | { ok: false; problem: string; hint: string };

export interface PostgresPrograms {
  dir: string;
  major: number;
  postgres: string;
  initdb: string;
  pg_isready: string;
  psql: string;
  pg_dump: string;
  pg_restore: string;
}

export interface MariadbPrograms {
  version: string;
  server: string;
  installDb: string;
  admin: string;
  client: string;
  dump: string;
}

export interface RedisPrograms {
  server: string;
  cli: string;
}

export interface SqlitePrograms {
  sqlite3: string;
}

export const BIN_DIR_VARIABLES = {
  postgres: "BERTH_PG_BIN_DIR",
  mariadb: "BERTH_MARIADB_BIN_DIR",
  redis: "BERTH_REDIS_BIN_DIR",
  sqlite: "BERTH_SQLITE_BIN_DIR",
} as const;

type Env = Record<string, string | undefined>;

const DEBIAN_POSTGRES_ROOT = "/usr/lib/postgresql";
const POSTGRES_PROGRAMS = ["postgres", "initdb", "pg_isready", "psql", "pg_dump", "pg_restore"] as const;
// Servers live in sbin, which is not on every user's PATH.
const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

/** PostgreSQL's programs: `wantedMajor`'s, or the newest installed. */
export function findPostgres(env: Env, wantedMajor: number | null, debianRoot = DEBIAN_POSTGRES_ROOT): Lookup<PostgresPrograms> {
  const override = env[BIN_DIR_VARIABLES.postgres];
  const candidates = override ? [override] : [...debianPostgresDirs(debianRoot), ...pathDirs(env)];
  const found: PostgresPrograms[] = [];
  for (const dir of candidates) {
    const programs = postgresProgramsIn(dir);
    if (programs) found.push(programs);
  }
  const chosen = wantedMajor === null ? found[0] : found.find((programs) => programs.major === wantedMajor);
  if (chosen) return { ok: true, value: chosen };
  const where = override ? `in ${override} (${BIN_DIR_VARIABLES.postgres})` : `in ${debianRoot}/<version>/bin or on PATH`;
  if (wantedMajor !== null && found.length > 0) {
    return {
      ok: false,
      problem: `PostgreSQL ${wantedMajor} is not installed (found ${found.map((programs) => programs.major).join(", ")})`,
      hint: `install it: apt-get install postgresql-${wantedMajor}`,
    };
  }
  return {
    ok: false,
    problem: `PostgreSQL${wantedMajor === null ? "" : ` ${wantedMajor}`} is not installed: no initdb and postgres ${where}`,
    hint: `install it: apt-get install postgresql${wantedMajor === null ? "" : `-${wantedMajor}`} (or set ${BIN_DIR_VARIABLES.postgres} to the directory holding initdb and postgres)`,
  };
}

export function findMariadb(env: Env, wantedVersion: number | null): Lookup<MariadbPrograms> {
  const override = env[BIN_DIR_VARIABLES.mariadb];
  const dirs = override ? [override] : [...pathDirs(env), ...SBIN_DIRS];
  const programs = {
    server: findProgram(["mariadbd", "mysqld"], dirs),
    installDb: findProgram(["mariadb-install-db", "mysql_install_db"], dirs),
    admin: findProgram(["mariadb-admin", "mysqladmin"], dirs),
    client: findProgram(["mariadb", "mysql"], dirs),
    dump: findProgram(["mariadb-dump", "mysqldump"], dirs),
  };
  const { server, installDb, admin, client, dump } = programs;
  if (!server || !installDb || !admin || !client || !dump) {
    const names = { server: "mariadbd", installDb: "mariadb-install-db", admin: "mariadb-admin", client: "mariadb", dump: "mariadb-dump" };
    const missing = Object.entries(programs).filter(([, path]) => path === null).map(([key]) => names[key as keyof typeof names]);
    return {
      ok: false,
      problem: `MariaDB is not installed: no ${missing.join(", ")} ${override ? `in ${override} (${BIN_DIR_VARIABLES.mariadb})` : "on PATH or in /usr/sbin"}`,
      hint: `install it: apt-get install mariadb-server (or set ${BIN_DIR_VARIABLES.mariadb} to the directory holding mariadbd)`,
    };
  }
  const version = programVersion(server) ?? "unknown";
  if (wantedVersion !== null && !sameVersion(version, wantedVersion)) {
    return {
      ok: false,
      problem: `MariaDB ${wantedVersion} is not installed (found ${version} at ${server})`,
      hint: `install MariaDB ${wantedVersion}, or remove \`version\` from database: to use ${version}`,
    };
  }
  return { ok: true, value: { version, server, installDb, admin, client, dump } };
}

export function findRedis(env: Env): Lookup<RedisPrograms> {
  const override = env[BIN_DIR_VARIABLES.redis];
  const dirs = override ? [override] : [...pathDirs(env), ...SBIN_DIRS];
  const server = findProgram(["redis-server"], dirs);
  const cli = findProgram(["redis-cli"], dirs);
  if (server && cli) return { ok: true, value: { server, cli } };
  return {
    ok: false,
    problem: `Redis is not installed: no ${[server ? "" : "redis-server", cli ? "" : "redis-cli"].filter(Boolean).join(" or ")} ${override ? `in ${override} (${BIN_DIR_VARIABLES.redis})` : "on PATH"}`,
    hint: `install it: apt-get install redis-server (or set ${BIN_DIR_VARIABLES.redis} to the directory holding redis-server)`,
  };
}

export function findSqlite(env: Env): Lookup<SqlitePrograms> {
  const override = env[BIN_DIR_VARIABLES.sqlite];
  const sqlite3 = findProgram(["sqlite3"], override ? [override] : pathDirs(env));
  if (sqlite3) return { ok: true, value: { sqlite3 } };
  return {
    ok: false,
    problem: `the sqlite3 program is not installed ${override ? `in ${override} (${BIN_DIR_VARIABLES.sqlite})` : "on PATH"}; berth backs up SQLite with it`,
    hint: `install it: apt-get install sqlite3 (or set ${BIN_DIR_VARIABLES.sqlite} to the directory holding sqlite3)`,
  };
}

/** "10.11.19" matches 10.11 and 10; "15.4" matches 15. */
function sameVersion(installed: string, wanted: number): boolean {
  const text = String(wanted);
  return installed === text || installed.startsWith(`${text}.`);
}

function postgresProgramsIn(dir: string): PostgresPrograms | null {
  const paths = POSTGRES_PROGRAMS.map((name) => join(dir, name));
  if (!paths.every(isExecutableFile)) return null;
  const major = Number((programVersion(join(dir, "postgres")) ?? "").split(".")[0]);
  if (!Number.isInteger(major) || major <= 0) return null;
  const [postgres, initdb, pg_isready, psql, pg_dump, pg_restore] = paths as [string, string, string, string, string, string];
  return { dir, major, postgres, initdb, pg_isready, psql, pg_dump, pg_restore };
}

/** /usr/lib/postgresql/<major>/bin, newest first. */
function debianPostgresDirs(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .sort((a, b) => Number(b) - Number(a))
    .map((entry) => join(root, entry, "bin"));
}

function pathDirs(env: Env): string[] {
  return (env.PATH ?? "").split(delimiter).filter(Boolean);
}

function findProgram(names: readonly string[], dirs: readonly string[]): string | null {
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (isExecutableFile(path)) return path;
    }
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first dotted number in `<program> --version`: "postgres (PostgreSQL) 15.18" -> "15.18". */
export function programVersion(program: string): string | null {
  const result = spawnSync(program, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (result.status !== 0) return null;
  return /(\d+(?:\.\d+)+)/.exec(result.stdout)?.[1] ?? null;
}
