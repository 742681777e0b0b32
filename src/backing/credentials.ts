import { userInfo } from "node:os";
import { ensureSecrets } from "../config/secrets.js";
import type { Stack } from "../config/types.js";
import type { StackPaths } from "../util/paths.js";
import { ensureBackingPort } from "./backing-ports.js";
import { databaseIdentifier } from "./identifiers.js";
import { backingLayout } from "./layout.js";
import { isRoot } from "./run-as.js";

// How to reach each server berth runs for a stack. Everything is derived from files (the persisted
// ports, the secrets store), so the daemon and the CLI (`berth run`, `berth env`) compute the same
// DATABASE_URL without talking to each other.

/** Names of the generated passwords in the stack's secrets store (user secrets cannot start with BERTH_). */
export const BACKING_SECRETS = {
  postgres: "BERTH_POSTGRES_PASSWORD",
  postgresAdmin: "BERTH_POSTGRES_ADMIN_PASSWORD",
  mariadb: "BERTH_MARIADB_PASSWORD",
  redis: "BERTH_REDIS_PASSWORD",
} as const;

export const LOOPBACK = "127.0.0.1";
/** initdb's superuser, used for provisioning, backups and restores. */
export const POSTGRES_ADMIN = "postgres";

export interface PostgresCredentials {
  port: number;
  /** The stack's role, which owns the stack's database. */
  user: string;
  password: string;
  database: string;
  adminPassword: string;
}

export interface MariadbCredentials {
  port: number;
  user: string;
  password: string;
  database: string;
  /** Connects over the unix socket, authenticated by the OS user (unix_socket plugin); no password. */
  adminUser: string;
}

export interface RedisCredentials {
  port: number;
  password: string;
}

export interface BackingCredentials {
  postgres?: PostgresCredentials;
  mariadb?: MariadbCredentials;
  redis?: RedisCredentials;
}

/** Allocates ports and generates passwords the first time; reads them afterwards. */
export function backingCredentials(stack: Stack, paths: StackPaths): BackingCredentials {
  const layout = backingLayout(paths);
  const credentials: BackingCredentials = {};
  if (stack.database.engine === "postgres") {
    const secrets = ensureSecrets(paths.secrets, [BACKING_SECRETS.postgres, BACKING_SECRETS.postgresAdmin]);
    const name = databaseIdentifier(stack.name, "postgres");
    credentials.postgres = {
      port: ensureBackingPort(layout, "postgres"),
      user: name,
      database: name,
      password: secrets[BACKING_SECRETS.postgres]!,
      adminPassword: secrets[BACKING_SECRETS.postgresAdmin]!,
    };
  }
  if (stack.database.engine === "mariadb") {
    const secrets = ensureSecrets(paths.secrets, [BACKING_SECRETS.mariadb]);
    const name = databaseIdentifier(stack.name, "mariadb");
    credentials.mariadb = {
      port: ensureBackingPort(layout, "mariadb"),
      user: name,
      database: name,
      password: secrets[BACKING_SECRETS.mariadb]!,
      adminUser: isRoot() ? "root" : userInfo().username,
    };
  }
  if (stack.redis) {
    const secrets = ensureSecrets(paths.secrets, [BACKING_SECRETS.redis]);
    credentials.redis = { port: ensureBackingPort(layout, "redis"), password: secrets[BACKING_SECRETS.redis]! };
  }
  return credentials;
}
