import type { Stack } from "../config/types.js";
import { conditions, escapeDollars, pick, type ComposeService } from "./compose-values.js";
import { renderEnvFile } from "./export-secrets.js";
import { backupCommand, imageFor, postgresInitSql } from "./servers.js";
import type { ExportFile, ExportOptions } from "./types.js";

// The database and Redis services of the Compose export, each with a named volume, a health check
// the app's services wait for, and its password in a 0600 env file of its own; plus a `backup`
// service (profile `backup`) that dumps the database into a volume.

const POSTGRES_SECRETS = "postgres.env";
const MARIADB_SECRETS = "mariadb.env";
const REDIS_SECRETS = "redis.env";

export interface ComposeServers {
  services: Record<string, ComposeService>;
  volumes: Record<string, Record<string, never>>;
  files: ExportFile[];
  /** The servers the app's services wait for, as depends_on conditions. */
  healthy: Record<string, string>;
}

export function composeServers(stack: Stack, options: ExportOptions): ComposeServers {
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const files: ExportFile[] = [];
  const healthy: Record<string, string> = {};
  if (stack.database.engine === "postgres") {
    volumes["postgres-data"] = {};
    files.push({ path: POSTGRES_SECRETS, content: renderEnvFile({ POSTGRES_PASSWORD: options.secrets.POSTGRES_PASSWORD ?? "" }), secret: true });
    const initSql = postgresInitSql(stack.database.extensions);
    if (initSql) files.push({ path: "postgres-init/extensions.sql", content: initSql });
    services.postgres = {
      image: imageFor("postgres", stack, options),
      command: ["postgres"],
      environment: { POSTGRES_USER: stack.name, POSTGRES_DB: stack.name },
      env_file: [POSTGRES_SECRETS],
      volumes: ["postgres-data:/var/lib/postgresql/data", ...(initSql ? ["./postgres-init:/docker-entrypoint-initdb.d:ro"] : [])],
      healthcheck: { test: ["CMD-SHELL", `pg_isready -U ${stack.name} -d ${stack.name} -h 127.0.0.1`], interval: "2s", timeout: "5s", retries: 30 },
      restart: "always",
      stop_signal: "SIGINT",
    };
    healthy.postgres = "service_healthy";
  }
  if (stack.database.engine === "mariadb") {
    volumes["mariadb-data"] = {};
    files.push({ path: MARIADB_SECRETS, content: renderEnvFile(pick(options.secrets, ["MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD"])), secret: true });
    services.mariadb = {
      image: imageFor("mariadb", stack, options),
      environment: { MARIADB_USER: stack.name, MARIADB_DATABASE: stack.name },
      env_file: [MARIADB_SECRETS],
      volumes: ["mariadb-data:/var/lib/mysql"],
      healthcheck: { test: ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"], interval: "2s", timeout: "5s", retries: 30 },
      restart: "always",
    };
    healthy.mariadb = "service_healthy";
  }
  if (stack.redis) {
    volumes["redis-data"] = {};
    files.push({ path: REDIS_SECRETS, content: renderEnvFile(pick(options.secrets, ["REDIS_PASSWORD"])), secret: true });
    services.redis = {
      image: imageFor("redis", stack, options),
      command: ["sh", "-c", 'exec redis-server --requirepass "$$REDIS_PASSWORD" --appendonly yes --dir /data --bind 0.0.0.0 --protected-mode no'],
      env_file: [REDIS_SECRETS],
      volumes: ["redis-data:/data"],
      healthcheck: { test: ["CMD-SHELL", 'redis-cli --no-auth-warning -a "$$REDIS_PASSWORD" ping | grep -q PONG'], interval: "2s", timeout: "5s", retries: 30 },
      restart: "always",
    };
    healthy.redis = "service_healthy";
  }

  const backupDump = backupCommand(stack, "/backups");
  if (backupDump) {
    volumes.backups = {};
    const server = stack.database.engine === "postgres" ? "postgres" : "mariadb";
    services.backup = {
      image: imageFor(server, stack, options),
      profiles: ["backup"],
      command: ["sh", "-c", escapeDollars(backupDump)],
      env_file: [server === "postgres" ? POSTGRES_SECRETS : MARIADB_SECRETS],
      environment: { ...(server === "postgres" ? { PGHOST: "postgres", PGUSER: stack.name, PGDATABASE: stack.name } : {}), BACKUP_KEEP: String(stack.backup.keep) },
      volumes: ["backups:/backups"],
      depends_on: conditions({ [server]: "service_healthy" }),
      restart: "no",
    };
  }

  return { services, volumes, files, healthy };
}
