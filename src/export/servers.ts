import type { Stack } from "../config/types.js";
import type { ExportOptions } from "./types.js";

// The servers an export defines for the stack's database and Redis: their images, the URLs the
// app reaches them at, the SQL run when PostgreSQL first starts, and how a backup dumps them.

export const DEFAULT_IMAGES: Readonly<Record<string, string>> = Object.freeze({
  postgres: "docker.io/library/postgres:16-bookworm",
  mariadb: "docker.io/library/mariadb:11",
  redis: "docker.io/library/redis:7-bookworm",
  caddy: "docker.io/library/caddy:2",
  kubectl: "docker.io/bitnami/kubectl:1.30",
});

/** Names `--image NAME=REF` accepts. */
export const IMAGE_NAMES: readonly string[] = ["app", ...Object.keys(DEFAULT_IMAGES)];

export function imageFor(name: string, stack: Stack, options: ExportOptions): string {
  const given = options.images[name];
  if (given) return given;
  const image = DEFAULT_IMAGES[name] ?? name;
  const version = stack.database.engine === name && "version" in stack.database ? stack.database.version : null;
  return version === null ? image : image.replace(/:[^:/]+$/, `:${version}`);
}

/** DATABASE_URL and REDIS_URL (secret: they hold passwords) for servers reachable at these host names. */
export function databaseUrls(stack: Stack, secrets: Readonly<Record<string, string>>, hosts: { postgres: string; mariadb: string; redis: string }): Record<string, string> {
  const urls: Record<string, string> = {};
  const database = stack.database;
  if (database.engine === "postgres") urls.DATABASE_URL = `postgres://${stack.name}:${secrets.POSTGRES_PASSWORD}@${hosts.postgres}:5432/${stack.name}`;
  if (database.engine === "mariadb") urls.DATABASE_URL = `mysql://${stack.name}:${secrets.MARIADB_PASSWORD}@${hosts.mariadb}:3306/${stack.name}`;
  if (database.engine === "external") urls.DATABASE_URL = database.url;
  if (stack.redis) urls.REDIS_URL = `redis://default:${secrets.REDIS_PASSWORD}@${hosts.redis}:6379/0`;
  return urls;
}

export function postgresInitSql(extensions: readonly string[]): string | null {
  if (extensions.length === 0) return null;
  return extensions.map((name) => `CREATE EXTENSION IF NOT EXISTS "${name.replaceAll('"', '""')}";`).join("\n") + "\n";
}

/**
 * A shell script that dumps the database into `directory` and keeps the newest $BACKUP_KEEP dumps;
 * null when the database is not a server the export defines. It reads the password from the
 * server's own environment variable, never from the script.
 */
export function backupCommand(stack: Stack, directory: string): string | null {
  const stamp = '$(date -u +%Y%m%dT%H%M%SZ)';
  const prune = `ls -1t ${directory}/*.gz | tail -n +$((BACKUP_KEEP + 1)) | xargs -r rm --`;
  if (stack.database.engine === "postgres") {
    return `set -e; PGPASSWORD="$POSTGRES_PASSWORD" pg_dump --format=plain --no-owner | gzip > ${directory}/${stack.name}-${stamp}.sql.gz; ${prune}`;
  }
  if (stack.database.engine === "mariadb") {
    return `set -e; mariadb-dump -h mariadb -u root -p"$MARIADB_ROOT_PASSWORD" --single-transaction ${stack.name} | gzip > ${directory}/${stack.name}-${stamp}.sql.gz; ${prune}`;
  }
  return null;
}
