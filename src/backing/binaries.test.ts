import assert from "node:assert/strict";
import { scratchDir } from "../config/fixture-dir.js";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { findMariadb, findPostgres, findRedis, findSqlite } from "./binaries.js";

function fakePrograms(dir: string, names: string[], versionText = ""): void {
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho "${versionText || name}"\n`);
    chmodSync(path, 0o755);
  }
}

const POSTGRES = ["postgres", "initdb", "pg_isready", "psql", "pg_dump", "pg_restore"];

describe("finding the servers' programs", () => {
  it("picks the newest PostgreSQL in Debian's layout, or the version asked for", () => {
    const root = scratchDir("berth-pg-");
    fakePrograms(join(root, "13", "bin"), POSTGRES, "postgres (PostgreSQL) 13.9");
    fakePrograms(join(root, "15", "bin"), POSTGRES, "postgres (PostgreSQL) 15.4");
    const newest = findPostgres({ PATH: "" }, null, root);
    assert.ok(newest.ok && newest.value.major === 15 && newest.value.initdb === join(root, "15", "bin", "initdb"));
    const older = findPostgres({ PATH: "" }, 13, root);
    assert.ok(older.ok && older.value.dir === join(root, "13", "bin"));
    const missing = findPostgres({ PATH: "" }, 16, root);
    assert.ok(!missing.ok);
    assert.match(missing.problem, /PostgreSQL 16 is not installed \(found 15, 13\)/);
    assert.match(missing.hint, /apt-get install postgresql-16/);
  });

  it("names the Debian package when a program is missing, honouring BERTH_*_BIN_DIR", () => {
    const empty = scratchDir("berth-empty-");
    const postgres = findPostgres({ PATH: "", BERTH_PG_BIN_DIR: empty }, null, "/nonexistent");
    assert.ok(!postgres.ok);
    assert.match(postgres.problem, new RegExp(`in ${empty} \\(BERTH_PG_BIN_DIR\\)`));
    assert.match(postgres.hint, /apt-get install postgresql /);
    const redis = findRedis({ PATH: empty, BERTH_REDIS_BIN_DIR: empty });
    assert.ok(!redis.ok && /apt-get install redis-server/.test(redis.hint));
    const mariadb = findMariadb({ PATH: empty, BERTH_MARIADB_BIN_DIR: empty }, null);
    assert.ok(!mariadb.ok && /apt-get install mariadb-server/.test(mariadb.hint) && /mariadbd/.test(mariadb.problem));
    const sqlite = findSqlite({ PATH: empty });
    assert.ok(!sqlite.ok && /apt-get install sqlite3/.test(sqlite.hint));
  });

  it("checks MariaDB's version against `version:`", () => {
    const dir = scratchDir("berth-maria-");
    fakePrograms(dir, ["mariadbd", "mariadb-install-db", "mariadb-admin", "mariadb", "mariadb-dump"], "mariadbd  Ver 10.11.6-MariaDB");
    const env = { PATH: "", BERTH_MARIADB_BIN_DIR: dir };
    const found = findMariadb(env, 10.11);
    assert.ok(found.ok && found.value.version === "10.11.6" && found.value.server === join(dir, "mariadbd"));
    assert.ok(findMariadb(env, 10).ok);
    const wrong = findMariadb(env, 11.4);
    assert.ok(!wrong.ok && /MariaDB 11.4 is not installed \(found 10.11.6/.test(wrong.problem));
  });
});
