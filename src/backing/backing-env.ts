import type { Stack } from "../config/types.js";
import type { StackPaths } from "../util/paths.js";
import { backingCredentials, LOOPBACK, type BackingCredentials } from "./credentials.js";

export interface BackingEnv {
  /** DATABASE_URL (postgres, mariadb), PG* (postgres), REDIS_URL: layered over everything else. */
  env: Record<string, string>;
  /** Passwords in those values (and in an external DATABASE_URL), to redact from output. */
  secretValues: string[];
}

/** The variables every process gets for the servers berth runs; the one function the daemon and the CLI share. */
export function backingEnv(stack: Stack, paths: StackPaths): BackingEnv {
  return backingEnvFrom(stack, backingCredentials(stack, paths));
}

export function backingEnvFrom(stack: Stack, credentials: BackingCredentials): BackingEnv {
  const env: Record<string, string> = {};
  const secretValues: string[] = [];
  const { postgres, mariadb, redis } = credentials;
  if (postgres) {
    env.DATABASE_URL = `postgres://${postgres.user}:${postgres.password}@${LOOPBACK}:${postgres.port}/${postgres.database}`;
    Object.assign(env, {
      PGHOST: LOOPBACK,
      PGPORT: String(postgres.port),
      PGUSER: postgres.user,
      PGPASSWORD: postgres.password,
      PGDATABASE: postgres.database,
    });
    secretValues.push(postgres.password, postgres.adminPassword);
  }
  if (mariadb) {
    env.DATABASE_URL = `mysql://${mariadb.user}:${mariadb.password}@${LOOPBACK}:${mariadb.port}/${mariadb.database}`;
    secretValues.push(mariadb.password);
  }
  if (redis) {
    // `default` is Redis's own user name: redis-cli (7.0) cannot log in with an empty one (redis://:pw@),
    // and clients that predate Redis users send the password alone either way.
    env.REDIS_URL = `redis://default:${redis.password}@${LOOPBACK}:${redis.port}/0`;
    secretValues.push(redis.password);
  }
  if (stack.database.engine === "external") {
    const password = urlPassword(stack.database.url);
    if (password) secretValues.push(password, decodedOrSame(password));
  }
  return { env, secretValues };
}

/** The password part of a URL as written in it (percent-encoded), or "". */
function urlPassword(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    return "";
  }
}

function decodedOrSame(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
