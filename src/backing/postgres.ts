import { chownSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Service } from "../config/types.js";
import { BACKING_SECRETS, LOOPBACK, POSTGRES_ADMIN, type PostgresCredentials } from "./credentials.js";
import { backingService, type EngineContext } from "./engine-context.js";
import { shellQuote } from "./identifiers.js";
import { MAX_UNIX_SOCKET_PATH } from "./layout.js";
import { createOwnedDirectory, type SystemUser } from "./run-as.js";
import { explainFailure, runProgram, toolEnv } from "./run-program.js";

// PostgreSQL: one cluster per stack in its data directory, created by initdb with SCRAM password
// authentication for every connection, listening on 127.0.0.1 at the stack's port and on a unix
// socket inside the data directory. The stack's role owns the stack's database; initdb's
// superuser `postgres` (its own password) creates them and runs backups and restores.

export async function preparePostgres(context: EngineContext): Promise<Service> {
  const { layout, credentials } = context;
  const programs = context.tools.postgres!;
  const { port } = credentials.postgres!;
  const user = createOwnedDirectory(layout.postgres.dir, context.tools.serverUser ?? null);
  createOwnedDirectory(layout.postgres.socketDir, user);
  if (!existsSync(join(layout.postgres.cluster, "PG_VERSION"))) await createCluster(context, user);
  // A socket path over the kernel's limit would stop the server from starting: TCP only, then.
  const socketPath = join(layout.postgres.socketDir, `.s.PGSQL.${port}`);
  const socketDirs = Buffer.byteLength(socketPath) <= MAX_UNIX_SOCKET_PATH ? layout.postgres.socketDir : "";
  return backingService({
    name: "postgres",
    argv: [programs.postgres, "-D", layout.postgres.cluster, "-p", String(port), "-c", `listen_addresses=${LOOPBACK}`, "-c", `unix_socket_directories=${socketDirs}`],
    cwd: layout.postgres.dir,
    port,
    // With the password, the probe logs in and PostgreSQL logs nothing; without, every probe would
    // log a failed login. It comes from the environment, so no command line shows it.
    healthCommand: `PGPASSWORD="$${BACKING_SECRETS.postgresAdmin}" ${shellQuote(programs.pg_isready)} -q -t 3 -h ${LOOPBACK} -p ${port} -U ${POSTGRES_ADMIN} -d postgres`,
    probeEnv: { [BACKING_SECRETS.postgresAdmin]: credentials.postgres!.adminPassword },
    // SIGTERM is "smart" shutdown, which waits for every client to disconnect; SIGINT is "fast".
    stopSignal: "SIGINT",
    user,
  });
}

/** Idempotent: the stack's role (with its current password), its database and the listed extensions. */
export async function provisionPostgres(context: EngineContext): Promise<void> {
  const credentials = context.credentials.postgres!;
  const { user, password, database } = credentials;
  const { extensions } = context.stack.database.engine === "postgres" ? context.stack.database : { extensions: [] };
  const sql = [
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') THEN CREATE ROLE "${user}"; END IF; END $$;`,
    `ALTER ROLE "${user}" WITH LOGIN CREATEDB PASSWORD '${password}';`,
    `SELECT 'CREATE DATABASE "${database}" OWNER "${user}"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${database}')\\gexec`,
    `\\connect "${database}"`,
    ...extensions.map((extension) => `CREATE EXTENSION IF NOT EXISTS "${extension}";`),
  ].join("\n");
  await psql(context, credentials, sql).catch(
    explainFailure(`could not create the database "${database}" in PostgreSQL`, "see the output above; for an extension, install its Debian package (e.g. postgresql-15-postgis-3)"),
  );
}

export async function dumpPostgres(context: EngineContext, target: string): Promise<void> {
  const credentials = context.credentials.postgres!;
  await runProgram(
    context.tools.postgres!.pg_dump,
    ["--format=custom", "--no-password", ...connectionArgs(credentials), "--file", target, credentials.database],
    { env: adminEnv(context, credentials), secretValues: context.secretValues },
  );
}

/** Replaces the objects in the backup (pg_restore --clean --if-exists), in one transaction. */
export async function restorePostgres(context: EngineContext, file: string): Promise<void> {
  const credentials = context.credentials.postgres!;
  await runProgram(
    context.tools.postgres!.pg_restore,
    ["--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-password", ...connectionArgs(credentials), "--dbname", credentials.database, file],
    { env: adminEnv(context, credentials), secretValues: context.secretValues },
  );
}

async function createCluster(context: EngineContext, user: SystemUser | null): Promise<void> {
  const { layout } = context;
  const programs = context.tools.postgres!;
  const { adminPassword } = context.credentials.postgres!;
  // A cluster without PG_VERSION is what an interrupted initdb leaves; initdb wants an empty directory.
  rmSync(layout.postgres.cluster, { recursive: true, force: true });
  const passwordFile = join(layout.postgres.dir, ".initdb-password");
  writeFileSync(passwordFile, adminPassword, { mode: 0o600 });
  try {
    if (user) chownSync(passwordFile, user.uid, user.gid);
    await runProgram(
      programs.initdb,
      ["-D", layout.postgres.cluster, "-U", POSTGRES_ADMIN, `--pwfile=${passwordFile}`, "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale"],
      { env: toolEnv(context.baseEnv, { HOME: layout.postgres.dir }), cwd: layout.postgres.dir, user, secretValues: context.secretValues },
    ).catch(explainFailure("initdb could not create the PostgreSQL cluster", `see the output above; the cluster goes in ${layout.postgres.cluster}`));
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function psql(context: EngineContext, credentials: PostgresCredentials, sql: string): Promise<string> {
  return runProgram(
    context.tools.postgres!.psql,
    ["--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", ...connectionArgs(credentials), "--dbname=postgres", "--file=-"],
    { env: adminEnv(context, credentials), input: sql, secretValues: context.secretValues },
  );
}

function connectionArgs(credentials: PostgresCredentials): string[] {
  return ["--host", LOOPBACK, "--port", String(credentials.port), "--username", POSTGRES_ADMIN];
}

function adminEnv(context: EngineContext, credentials: PostgresCredentials): Record<string, string> {
  return toolEnv(context.baseEnv, { PGPASSWORD: credentials.adminPassword, PGCONNECT_TIMEOUT: "10" });
}
