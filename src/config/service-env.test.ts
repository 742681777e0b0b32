import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixtureDir } from "./fixture-dir.js";
import { loadStack } from "./load.js";
import { buildServiceEnv, buildTaskEnv, sqliteDatabasePath } from "./service-env.js";

function stackOf(yaml: string, files: Record<string, string> = {}) {
  return loadStack(join(fixtureDir({ "berth.yml": yaml, ...files }), "berth.yml"), { env: {} });
}

describe("buildServiceEnv", () => {
  const stack = stackOf(
    [
      "name: pixel",
      "env_file: .env",
      "env: { SHARED: stack, OVERRIDE: stack }",
      "secrets: [SECRET_KEY]",
      "services:",
      "  web: { command: x, env: { OVERRIDE: service } }",
    ].join("\n"),
    { ".env": "FROM_FILE=1\nSHARED=file\n" },
  );
  const [web] = stack.services;
  const base = { PATH: "/usr/bin", SHARED: "daemon", PORT: "1", BERTH_SERVICE: "stale" };

  it("layers daemon env, stack env, service env, secrets, then berth's own variables", () => {
    const env = buildServiceEnv({ stack, service: web!, replica: 1, port: 41000, secrets: { SECRET_KEY: "s3cret" }, dataDir: "/data", baseEnv: base });
    assert.deepEqual(env, {
      PATH: "/usr/bin",
      SHARED: "stack",
      FROM_FILE: "1",
      OVERRIDE: "service",
      SECRET_KEY: "s3cret",
      DATABASE_URL: "sqlite:////data/db.sqlite3",
      BERTH_STACK: "pixel",
      BERTH_DATA_DIR: "/data",
      BERTH_SERVICE: "web",
      BERTH_REPLICA: "1",
      PORT: "41000",
    });
  });

  it("sets no PORT without a port, and no service or replica for tasks", () => {
    const env = buildServiceEnv({ stack, service: web!, replica: 0, port: null, secrets: {}, dataDir: "/data", baseEnv: base });
    assert.equal(env.PORT, undefined);
    const task = buildTaskEnv({ stack, secrets: { SECRET_KEY: "s" }, dataDir: "/data", baseEnv: base, release: "r1" });
    assert.equal(task.PORT, undefined);
    assert.equal(task.BERTH_SERVICE, undefined);
    assert.equal(task.BERTH_REPLICA, undefined);
    assert.equal(task.BERTH_RELEASE, "r1");
    assert.equal(task.SECRET_KEY, "s");
    assert.equal(task.OVERRIDE, "stack");
  });

  it("resolves a configured SQLite file against the stack's directory", () => {
    const custom = stackOf("database: { engine: sqlite, file: data/app.db }\nservices: { web: { command: x } }\n");
    assert.equal(sqliteDatabasePath(custom, "/data"), join(custom.root, "data/app.db"));
    const env = buildTaskEnv({ stack: custom, secrets: {}, dataDir: "/data", baseEnv: {} });
    assert.equal(env.DATABASE_URL, `sqlite:///${join(custom.root, "data/app.db")}`);
  });
});
