import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "../config/types.js";
import { parseEnvFile } from "../config/env-file.js";

// Secret values of an export: the stack's own secrets (from berth's store when the stack has run
// here, so sessions survive the move) and the passwords the export's servers need. A value already
// in the export directory is kept, so exporting again does not lock the app out of its database.

export const SECRETS_FILE = "secrets.env";
/** The front proxy's own secret (the basic auth password), apart from the app's, so exporting again keeps it. */
export const PROXY_SECRETS_FILE = "proxy.env";

/** Names of the passwords the export itself generates for the servers it defines. */
export function serverPasswordNames(stack: Stack): string[] {
  const names: string[] = [];
  if (stack.database.engine === "postgres") names.push("POSTGRES_PASSWORD");
  if (stack.database.engine === "mariadb") names.push("MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD");
  if (stack.redis) names.push("REDIS_PASSWORD");
  return names;
}

/** Values for every secret and server password: kept from `previous`, then berth's store, else generated. */
export function collectSecretValues(stack: Stack, sources: { previous: Record<string, string>; store: Record<string, string> }): Record<string, string> {
  const values: Record<string, string> = {};
  const basicAuthSecret = stack.proxy?.basicAuth?.passwordSecret;
  for (const name of new Set([...stack.secrets, ...serverPasswordNames(stack), ...(basicAuthSecret ? [basicAuthSecret] : [])])) {
    values[name] = sources.previous[name] || sources.store[name] || randomBytes(32).toString("base64url");
  }
  return values;
}

/** Secret files of every target (Compose splits the servers' passwords into files of their own). */
export function secretFileNames(stackName: string): string[] {
  return [SECRETS_FILE, PROXY_SECRETS_FILE, "postgres.env", "mariadb.env", "redis.env", `${stackName}-secrets.env`];
}

/** The values in the secret files of an earlier export in `directory`, or {}. */
export function readPreviousSecrets(directory: string, fileNames: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const fileName of fileNames) {
    const path = join(directory, fileName);
    if (!existsSync(path)) continue;
    try {
      Object.assign(values, parseEnvFile(path));
    } catch {
      // An unreadable file is written anew with fresh values, as if there were none.
    }
  }
  return values;
}

/** KEY=value lines, as docker-compose env_file, kustomize envs and systemd EnvironmentFile= all read them. */
export function renderEnvFile(entries: Record<string, string>, header?: string): string {
  const lines = header ? [`# ${header}`] : [];
  for (const [name, value] of Object.entries(entries)) lines.push(`${name}=${value}`);
  return lines.join("\n") + "\n";
}

/** Every secret value, to check that none of them leaked into a file that is not a secret file. */
export function secretValuesOf(values: Record<string, string>): string[] {
  return Object.values(values).filter((value) => value.length >= 8);
}
