import { createReadStream, createWriteStream, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import type { Service } from "../config/types.js";
import { LOOPBACK, type MariadbCredentials } from "./credentials.js";
import { backingService, type EngineContext } from "./engine-context.js";
import { shellQuote } from "./identifiers.js";
import { createOwnedDirectory } from "./run-as.js";
import { explainFailure, runProgram, toolEnv } from "./run-program.js";

// MariaDB: one server per stack, its data directory created by mariadb-install-db, listening on
// 127.0.0.1 at the stack's port and on a socket in the data directory. Administration (creating
// the stack's user and database, dumps, restores) goes through the socket as the OS user berth
// runs as, which MariaDB authenticates without a password (unix_socket plugin); the app's user
// has a generated password and rights on the stack's database only.

export async function prepareMariadb(context: EngineContext): Promise<Service> {
  const { layout } = context;
  const programs = context.tools.mariadb!;
  const { port } = context.credentials.mariadb!;
  const user = createOwnedDirectory(layout.mariadb.dir, context.tools.serverUser ?? null);
  // Its own temporary directory: two servers bootstrapping at once in the shared /tmp collide on temporary table names.
  createOwnedDirectory(layout.mariadb.tmp, user);
  if (!existsSync(join(layout.mariadb.cluster, "mysql"))) {
    rmSync(layout.mariadb.cluster, { recursive: true, force: true });
    await runProgram(
      programs.installDb,
      ["--no-defaults", `--datadir=${layout.mariadb.cluster}`, `--tmpdir=${layout.mariadb.tmp}`, "--auth-root-authentication-method=socket", "--skip-test-db"],
      { env: toolEnv(context.baseEnv, { HOME: layout.mariadb.dir }), cwd: layout.mariadb.dir, user },
    ).catch(explainFailure("mariadb-install-db could not create the MariaDB data directory", `see the output above; it goes in ${layout.mariadb.cluster}`));
  }
  return backingService({
    name: "mariadb",
    argv: [
      programs.server,
      "--no-defaults",
      `--datadir=${layout.mariadb.cluster}`,
      `--tmpdir=${layout.mariadb.tmp}`,
      `--port=${port}`,
      `--bind-address=${LOOPBACK}`,
      `--socket=${layout.mariadb.socket}`,
      `--pid-file=${layout.mariadb.pidFile}`,
      "--skip-name-resolve",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
    ],
    cwd: layout.mariadb.dir,
    port,
    // ping exits 0 whenever the server answers, even when it refuses the login.
    healthCommand: `${shellQuote(programs.admin)} --no-defaults --socket=${shellQuote(layout.mariadb.socket)} --connect-timeout=3 ping`,
    user,
  });
}

/** Idempotent: the stack's database, and its user (with its current password) for TCP and socket connections. */
export async function provisionMariadb(context: EngineContext): Promise<void> {
  const { user, password, database } = context.credentials.mariadb!;
  const accounts = [`'${user}'@'${LOOPBACK}'`, `'${user}'@'localhost'`];
  const sql = [
    `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
    ...accounts.flatMap((account) => [
      `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY '${password}';`,
      `ALTER USER ${account} IDENTIFIED BY '${password}';`,
      `GRANT ALL PRIVILEGES ON \`${database}\`.* TO ${account};`,
    ]),
  ].join("\n");
  await runProgram(context.tools.mariadb!.client, adminArgs(context), { env: adminEnv(context), input: sql, secretValues: context.secretValues }).catch(
    explainFailure(`could not create the database "${database}" in MariaDB`, "see the output above and `berth logs mariadb`"),
  );
}

/** A consistent dump of the stack's database (one transaction, no locks on InnoDB tables), gzipped. */
export async function dumpMariadb(context: EngineContext, target: string): Promise<void> {
  const { database } = context.credentials.mariadb!;
  const gzip = createGzip();
  const written = pipeline(gzip, createWriteStream(target, { mode: 0o600 }));
  try {
    await runProgram(
      context.tools.mariadb!.dump,
      [...adminArgs(context), "--single-transaction", "--routines", "--triggers", "--events", "--hex-blob", database],
      { env: adminEnv(context), output: gzip, secretValues: context.secretValues },
    );
  } catch (error) {
    gzip.destroy();
    await written.catch(() => {});
    throw error;
  }
  await written;
}

/** Replays the dump into the stack's database: its tables are dropped and recreated. */
export async function restoreMariadb(context: EngineContext, file: string): Promise<void> {
  const { database } = context.credentials.mariadb!;
  const compressed = createReadStream(file);
  const input = compressed.pipe(createGunzip());
  compressed.once("error", (error) => input.destroy(error));
  await runProgram(context.tools.mariadb!.client, [...adminArgs(context), database], {
    env: adminEnv(context),
    input,
    secretValues: context.secretValues,
  });
}

function adminArgs(context: EngineContext): string[] {
  const credentials: MariadbCredentials = context.credentials.mariadb!;
  return ["--no-defaults", `--socket=${context.layout.mariadb.socket}`, `--user=${credentials.adminUser}`];
}

function adminEnv(context: EngineContext): Record<string, string> {
  return toolEnv(context.baseEnv);
}
