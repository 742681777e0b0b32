import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Service, Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import type { Logger } from "../util/logger.js";
import type { StackPaths } from "../util/paths.js";
import { backingEnvFrom, type BackingEnv } from "./backing-env.js";
import {
  freshBackupName,
  locateBackup,
  pruneAutomaticBackups,
  sealBackup,
  verifyBackup,
  type BackupEngine,
  type BackupFile,
  type BackupKind,
} from "./backup-files.js";
import { BackupScheduler } from "./backup-scheduler.js";
import { backingCredentials } from "./credentials.js";
import type { EngineContext } from "./engine-context.js";
import { inspectHost, type HostCheck } from "./host-check.js";
import { backingLayout } from "./layout.js";
import { dumpMariadb, prepareMariadb, provisionMariadb, restoreMariadb } from "./mariadb.js";
import { dumpPostgres, preparePostgres, provisionPostgres, restorePostgres } from "./postgres.js";
import { dumpRedis, prepareRedis, restoreRedis } from "./redis.js";
import { allowTraversal, type SystemUser } from "./run-as.js";
import { explainFailure } from "./run-program.js";
import { dumpSqlite, restoreSqlite } from "./sqlite.js";

export interface BackingServicesOptions {
  paths: StackPaths;
  /** berth's own environment: PATH and the BERTH_*_BIN_DIR overrides decide which programs run. */
  baseEnv: Record<string, string>;
  logger: Logger;
  /** The stack's own user (created on first use): its servers run as it when berth is root. */
  stackUser?: () => SystemUser;
  /** Records the outcome of each scheduled backup as a stack event (a failure is never reported as a success). */
  report?: (event: { kind: "backup-succeeded" | "backup-failed"; message: string }) => void;
}

export type ProgressReporter = (message: string) => void;

/** Stops the named services, runs the task, starts them again: what the supervisor offers a restore. */
export type WithServicesStopped = (names: string[], task: () => Promise<void>) => Promise<void>;

/**
 * The servers a stack's `database:` and `redis:` ask for, as supervised services, and their
 * backups. The supervisor starts what prepare() returns like any service, waits for it to be
 * healthy, then calls provision() before the release tasks.
 */
export class BackingServices {
  private context: EngineContext | null = null;
  private checks: HostCheck[] = [];
  private readonly scheduler = new BackupScheduler();

  constructor(
    private readonly stack: Stack,
    private readonly options: BackingServicesOptions,
  ) {}

  /** Checks the host, creates each server's data once; returns the servers to supervise (none for SQLite). */
  async prepare(progress: ProgressReporter): Promise<Service[]> {
    const context = this.createContext();
    removePartialBackups(context.layout.backups, this.options.logger);
    const services: Service[] = [];
    const { engine } = this.stack.database;
    if (engine === "postgres") {
      progress("preparing PostgreSQL");
      services.push(await preparePostgres(context));
    }
    if (engine === "mariadb") {
      progress("preparing MariaDB");
      services.push(await prepareMariadb(context));
    }
    if (this.stack.redis) services.push(prepareRedis(context));
    return services;
  }

  /** DATABASE_URL, PG*, REDIS_URL and the passwords in them. */
  env(): BackingEnv {
    return this.context ? backingEnvFrom(this.stack, this.context.credentials) : { env: {}, secretValues: [] };
  }

  /** Once the servers are healthy: the stack's role or user, database and extensions (idempotent). */
  async provision(progress: ProgressReporter): Promise<void> {
    const context = this.requireContext();
    if (context.credentials.postgres) {
      progress(`creating the database ${context.credentials.postgres.database} if needed`);
      await provisionPostgres(context);
    }
    if (context.credentials.mariadb) {
      progress(`creating the database ${context.credentials.mariadb.database} if needed`);
      await provisionMariadb(context);
    }
  }

  /** Backs up the database and Redis into the stack's backups directory while everything keeps serving. */
  async backup(kind: BackupKind, progress: ProgressReporter = () => {}): Promise<BackupFile[]> {
    const context = this.requireContext();
    const engines = this.backupEngines();
    const dir = context.layout.backups;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const at = new Date();
    const files: BackupFile[] = [];
    for (const engine of engines) {
      this.requireTools(engine);
      const name = freshBackupName(dir, engine, at, kind);
      const path = join(dir, name);
      const partial = join(dir, `.${name}.partial`);
      progress(`backing up ${engine} to ${name}`);
      try {
        await dump(context, engine, partial).catch(explainFailure(`could not back up ${engine}`, logsHint(engine)));
        await sealBackup(partial, path);
      } finally {
        rmSync(partial, { force: true });
      }
      files.push({ name, path, engine, kind, sizeBytes: statSync(path).size, createdAt: at.toISOString() });
    }
    if (kind === "auto") {
      for (const engine of engines) {
        const pruned = await pruneAutomaticBackups(dir, engine, this.stack.backup.keep);
        if (pruned.length > 0) this.options.logger.info("pruned automatic backups", { stack: this.stack.name, engine, deleted: pruned.join(",") });
      }
    }
    return files;
  }

  /** Verifies the checksum, stops what uses the data, restores, starts it again. */
  async restore(nameOrPath: string, withServicesStopped: WithServicesStopped, progress: ProgressReporter): Promise<{ name: string; engine: BackupEngine }> {
    const context = this.requireContext();
    const { path, engine } = locateBackup(context.layout.backups, nameOrPath);
    if (!this.backupEngines().includes(engine)) {
      throw new UserError(`${basename(path)} is a ${engine} backup, but stack ${this.stack.name} does not run ${engine}`, {
        hint: `its berth.yml has \`database: ${this.stack.database.engine}\`${this.stack.redis ? " and `redis: true`" : ""}`,
      });
    }
    this.requireTools(engine);
    progress(`verifying ${basename(path)}`);
    await verifyBackup(path);
    // The app's processes are stopped so none writes half-way through; the server itself keeps
    // running (except Redis, which loads its snapshot only at start).
    const users = this.stack.services.filter((service) => service.replicas > 0).map((service) => service.name);
    const stopped = engine === "redis" ? [...users, "redis"] : users;
    await withServicesStopped(stopped, async () => {
      progress(`restoring ${basename(path)}`);
      await restore(context, engine, path).catch(
        explainFailure(`could not restore ${basename(path)}`, `the app's services are started again either way; ${logsHint(engine)}`),
      );
    });
    return { name: basename(path), engine };
  }

  /** Automatic backups from backup.schedule, while the stack is up. */
  startSchedule(): void {
    const { schedule } = this.stack.backup;
    if (!schedule || !this.context) return;
    const logger = this.options.logger.child({ stack: this.stack.name });
    this.scheduler.start(schedule, async () => {
      try {
        const files = await this.backup("auto");
        const names = files.map((file) => file.name).join(",");
        logger.info("automatic backup done", { files: names });
        this.options.report?.({ kind: "backup-succeeded", message: `automatic backup done: ${names}` });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error("automatic backup failed", { error: message });
        this.options.report?.({ kind: "backup-failed", message: `automatic backup failed: ${message}` });
      }
    });
  }

  stopSchedule(): void {
    this.scheduler.stop();
  }

  private createContext(): EngineContext {
    const { paths, baseEnv } = this.options;
    const { checks, tools } = inspectHost(this.stack, paths, baseEnv, this.options.stackUser);
    this.checks = checks;
    const failed = checks.filter((check) => !check.ok && check.neededToStart);
    if (failed.length > 0) throw hostNotReady(failed);
    const layout = backingLayout(paths);
    mkdirSync(paths.data, { recursive: true, mode: 0o700 });
    if (tools.serverUser) allowTraversal([layout.home, join(layout.home, "stacks"), paths.root, paths.data]);
    const credentials = backingCredentials(this.stack, paths);
    const { secretValues } = backingEnvFrom(this.stack, credentials);
    this.context = { stack: this.stack, paths, layout, tools, credentials, baseEnv, secretValues };
    return this.context;
  }

  private requireContext(): EngineContext {
    if (!this.context) throw new Error("backing services used before prepare()");
    return this.context;
  }

  private backupEngines(): BackupEngine[] {
    const engines: BackupEngine[] = [];
    const { engine } = this.stack.database;
    if (engine !== "external") engines.push(engine);
    if (this.stack.redis) engines.push("redis");
    if (engines.length === 0) {
      throw new UserError("berth does not back up a database it does not run (database: { url })", {
        hint: "back it up where it runs; berth backs up sqlite, postgres, mariadb and redis",
      });
    }
    return engines;
  }

  /** Tools only backups need (sqlite3) are allowed to be missing until a backup is asked for. */
  private requireTools(engine: BackupEngine): void {
    const missing = this.checks.find((check) => !check.ok && check.name.startsWith(engine));
    if (missing) throw hostNotReady([missing]);
  }
}

function logsHint(engine: BackupEngine): string {
  return engine === "sqlite" ? "see the output above" : `see the output above and \`berth logs ${engine}\``;
}

function dump(context: EngineContext, engine: BackupEngine, target: string): Promise<void> {
  switch (engine) {
    case "postgres":
      return dumpPostgres(context, target);
    case "mariadb":
      return dumpMariadb(context, target);
    case "sqlite":
      return dumpSqlite(context, target);
    case "redis":
      return dumpRedis(context, target);
  }
}

async function restore(context: EngineContext, engine: BackupEngine, file: string): Promise<void> {
  switch (engine) {
    case "postgres":
      return restorePostgres(context, file);
    case "mariadb":
      return restoreMariadb(context, file);
    case "sqlite":
      return restoreSqlite(context, file);
    case "redis":
      return restoreRedis(context, file);
  }
}

/** A dump cut short (its daemon killed mid-backup) leaves a `.partial` file; no backup runs while the stack starts. */
function removePartialBackups(dir: string, logger: Logger): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith(".") || !entry.endsWith(".partial")) continue;
    rmSync(join(dir, entry), { force: true });
    logger.warn("removed an unfinished backup", { file: entry });
  }
}

export function hostNotReady(failed: HostCheck[]): UserError {
  const [first] = failed;
  return new UserError(failed.length === 1 ? first!.detail : `${failed.length} things berth needs are missing`, {
    ...(failed.length > 1 ? { details: failed.map((check) => `${check.name}: ${check.detail}\n  ${check.hint ?? ""}`).join("\n") } : {}),
    hint: `${first!.hint ?? ""}${first!.hint ? "; " : ""}\`berth doctor\` checks everything berth needs`,
  });
}
