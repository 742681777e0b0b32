import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "../config/types.js";
import type { StackPaths } from "../util/paths.js";
import {
  findMariadb,
  findPostgres,
  findRedis,
  findSqlite,
  type Lookup,
  type MariadbPrograms,
  type PostgresPrograms,
  type RedisPrograms,
  type SqlitePrograms,
} from "./binaries.js";
import { backingLayout, MAX_UNIX_SOCKET_PATH } from "./layout.js";
import { firstUnreachableDirectory, isRoot, lookupSystemUser, type SystemUser } from "./run-as.js";
import type { UserError } from "../errors.js";
import { stackUserName } from "../supervisor/stack-user.js";

// What `berth doctor` reports and `berth up` requires: the programs the stack's servers need, and
// when berth is root, the unprivileged user PostgreSQL and MariaDB run as.

export interface HostCheck {
  name: string;
  ok: boolean;
  /** Where the program was found, or what is wrong. */
  detail: string;
  hint?: string;
  /** false for what only backups need: `up` goes on without it unless backups are scheduled. */
  neededToStart: boolean;
}

export interface BackingTools {
  postgres?: PostgresPrograms;
  mariadb?: MariadbPrograms;
  redis?: RedisPrograms;
  sqlite?: SqlitePrograms;
  /** The user the stack's servers run as (the stack's own user, src/supervisor/stack-user.ts); absent when berth is not root. */
  serverUser?: SystemUser;
}

const POSTGRES_SHARE_ROOT = "/usr/share/postgresql";

/**
 * Runs every check the stack needs; `tools` holds what was found. `stackUser` gives (creating it if
 * need be) the user the servers run as when berth is root; without it (`berth doctor`), the check
 * only looks the user up and says it will be created.
 */
export function inspectHost(
  stack: Stack,
  paths: StackPaths,
  env: Record<string, string | undefined>,
  stackUser?: () => SystemUser,
): { checks: HostCheck[]; tools: BackingTools } {
  const checks: HostCheck[] = [];
  const tools: BackingTools = {};
  const layout = backingLayout(paths);
  const record = <T>(name: string, lookup: Lookup<T>, describe: (value: T) => string, neededToStart = true): T | undefined => {
    if (lookup.ok) checks.push({ name, ok: true, detail: describe(lookup.value), neededToStart });
    else checks.push({ name, ok: false, detail: lookup.problem, hint: lookup.hint, neededToStart });
    return lookup.ok ? lookup.value : undefined;
  };
  const { database } = stack;
  if (database.engine === "postgres") {
    const existing = clusterMajor(layout.postgres.cluster);
    tools.postgres = record("postgresql", findPostgres(env, database.version ?? existing), (programs) => `PostgreSQL ${programs.major} in ${programs.dir}`);
    if (existing !== null && database.version !== null && existing !== database.version) {
      checks.push({
        name: "postgresql cluster",
        ok: false,
        detail: `the stack's database was created by PostgreSQL ${existing}, which cannot open it as version ${database.version}`,
        hint: `to move it: with \`version: ${existing}\`, \`berth backup\`; then \`berth down -v\`, set \`version: ${database.version}\`, \`berth up\`, and \`berth restore\` the backup`,
        neededToStart: true,
      });
    }
    if (tools.postgres) checkExtensions(checks, tools.postgres.major, database.extensions);
  }
  if (database.engine === "mariadb") {
    tools.mariadb = record("mariadb", findMariadb(env, database.version), (programs) => `MariaDB ${programs.version} (${programs.server})`);
    if (Buffer.byteLength(layout.mariadb.socket) > MAX_UNIX_SOCKET_PATH) {
      checks.push({
        name: "mariadb socket",
        ok: false,
        detail: `the socket path ${layout.mariadb.socket} is longer than ${MAX_UNIX_SOCKET_PATH} bytes`,
        hint: "use a shorter BERTH_HOME (or stack name)",
        neededToStart: true,
      });
    }
  }
  if (stack.redis) tools.redis = record("redis", findRedis(env), (programs) => `${programs.server}`);
  if (database.engine === "postgres" || database.engine === "mariadb" || stack.redis) tools.serverUser = checkServerUser(checks, stack, layout.home, stackUser);
  if (database.engine === "sqlite") {
    const scheduled = stack.backup.schedule !== null;
    tools.sqlite = record("sqlite3 (backups)", findSqlite(env), (programs) => programs.sqlite3, scheduled);
  }
  return { checks, tools };
}

/** An extension is installable when its control file is in PostgreSQL's share directory (Debian's layout). */
function checkExtensions(checks: HostCheck[], major: number, extensions: string[]): void {
  for (const extension of extensions) {
    const control = join(POSTGRES_SHARE_ROOT, String(major), "extension", `${extension}.control`);
    const ok = existsSync(control);
    checks.push({
      name: `postgresql extension ${extension}`,
      ok,
      detail: ok ? control : `the PostgreSQL ${major} extension "${extension}" is not installed (no ${control})`,
      ...(ok ? {} : { hint: `install its Debian package, e.g. \`apt-get install postgresql-${major}-${extension}\` (\`apt-cache search postgresql-${major}\` lists them)` }),
      neededToStart: true,
    });
  }
}

/** The major version an existing cluster was created with: it only starts with that version. */
function clusterMajor(cluster: string): number | null {
  const file = join(cluster, "PG_VERSION");
  if (!existsSync(file)) return null;
  const major = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(major) && major > 0 ? major : null;
}

function checkServerUser(checks: HostCheck[], stack: Stack, home: string, stackUser: (() => SystemUser) | undefined): SystemUser | undefined {
  if (!isRoot()) return undefined;
  const name = stackUserName(stack.name);
  const label = `servers run as ${name}`;
  let user: SystemUser | null;
  try {
    user = stackUser ? stackUser() : lookupSystemUser(name);
  } catch (error) {
    checks.push({ name: label, ok: false, detail: (error as Error).message, hint: (error as UserError).options?.hint, neededToStart: true });
    return undefined;
  }
  // berth opens the directories it creates under BERTH_HOME itself; the ones above are the user's.
  // A user not created yet is checked as "others", which is what it will be.
  const blocked = firstUnreachableDirectory(home, user ?? { name, uid: -1, gid: -1 });
  if (blocked !== null && blocked !== home) {
    checks.push({
      name: label,
      ok: false,
      detail: `${name} cannot enter ${blocked}, above BERTH_HOME (${home}), so it cannot reach the stack's data`,
      hint: "set BERTH_HOME to a directory others may traverse, e.g. BERTH_HOME=/var/lib/berth (root's default)",
      neededToStart: true,
    });
    return undefined;
  }
  checks.push({ name: label, ok: true, detail: user ? `uid ${user.uid}` : "created at the first `berth up`", neededToStart: true });
  return user ?? undefined;
}
