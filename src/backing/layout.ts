import { dirname, join } from "node:path";
import type { StackPaths } from "../util/paths.js";

// Where the servers berth runs keep their files. Everything but the backups lives in the stack's
// data directory, so `down -v` deletes it; backups sit beside it and survive `down -v`.

export interface BackingLayout {
  /** $BERTH_HOME, the top of every directory berth creates. */
  home: string;
  /** Persisted port of each server: { "postgres": 23456, ... }. */
  portsFile: string;
  backups: string;
  postgres: { dir: string; cluster: string; socketDir: string };
  mariadb: { dir: string; cluster: string; socket: string; pidFile: string; tmp: string };
  redis: { dir: string; config: string; dump: string; appendOnlyDir: string };
}

export function backingLayout(paths: StackPaths): BackingLayout {
  const postgres = join(paths.data, "postgres");
  const mariadb = join(paths.data, "mariadb");
  const redis = join(paths.data, "redis");
  return {
    home: dirname(dirname(paths.root)),
    portsFile: join(paths.data, "backing.json"),
    backups: join(paths.root, "backups"),
    postgres: { dir: postgres, cluster: join(postgres, "cluster"), socketDir: join(postgres, "socket") },
    mariadb: { dir: mariadb, cluster: join(mariadb, "cluster"), socket: join(mariadb, "mysqld.sock"), pidFile: join(mariadb, "mysqld.pid"), tmp: join(mariadb, "tmp") },
    redis: { dir: redis, config: join(redis, "redis.conf"), dump: join(redis, "dump.rdb"), appendOnlyDir: join(redis, "appendonlydir") },
  };
}

/** Linux limits a unix socket's path to 107 bytes (sun_path is 108 with the terminating NUL). */
export const MAX_UNIX_SOCKET_PATH = 107;
