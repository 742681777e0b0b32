import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UserError, formatDiagnostic, type Diagnostic } from "../errors.js";
import { fixtureDir } from "./fixture-dir.js";
import { loadStack } from "./load.js";
import { buildTaskEnv } from "./service-env.js";

const SERVICES = "services: { web: { command: x } }\n";

function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return loadStack(join(fixtureDir({ "berth.yml": yaml }), "berth.yml"), { env });
}

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): Diagnostic[] {
  try {
    load(yaml, env);
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    return error.options.diagnostics ?? [];
  }
  assert.fail("expected loadStack to throw");
}

describe("database, redis and backup in berth.yml", () => {
  it("resolves the engines berth runs, with defaults", () => {
    const stack = load(`database: postgres\nredis: true\n${SERVICES}`);
    assert.deepEqual(stack.database, { engine: "postgres", version: null, extensions: [] });
    assert.equal(stack.redis, true);
    assert.deepEqual(stack.backup, { schedule: null, keep: 7 });
    assert.deepEqual(load(`database: { engine: mariadb, version: 10.11 }\n${SERVICES}`).database, { engine: "mariadb", version: 10.11 });
    const sqlite = load(SERVICES);
    assert.deepEqual(sqlite.database, { engine: "sqlite", file: null });
    assert.equal(sqlite.redis, false);
  });

  it("takes a version, extensions and a backup schedule", () => {
    const stack = load(`database: { engine: postgres, version: 15, extensions: [pg_trgm, uuid-ossp, pg_trgm] }\nbackup: { schedule: "0 3 * * *", keep: 3 }\n${SERVICES}`);
    assert.deepEqual(stack.database, { engine: "postgres", version: 15, extensions: ["pg_trgm", "uuid-ossp"] });
    assert.deepEqual(stack.backup, { schedule: "0 3 * * *", keep: 3 });
  });

  it("gives an external url to every process as DATABASE_URL and never repeats a bad one", () => {
    const url = "postgres://app:s3cret@db.example.org:5432/app";
    const stack = load(`database: { url: "\${APP_DB}" }\n${SERVICES}`, { APP_DB: url });
    assert.deepEqual(stack.database, { engine: "external", url });
    assert.equal(buildTaskEnv({ stack, secrets: {}, dataDir: "/data", baseEnv: {} }).DATABASE_URL, url);
    const [problem, ...rest] = problemsOf(`database: { url: "not a url with s3cret" }\n${SERVICES}`);
    assert.equal(rest.length, 0);
    assert.equal(problem?.path, "database.url");
    assert.doesNotMatch(formatDiagnostic(problem!), /s3cret/);
  });

  it("says which keys go with which engine", () => {
    const problems = problemsOf(`database: { engine: mariadb, extensions: [x], file: a.db }\n${SERVICES}`);
    assert.deepEqual(problems.map((problem) => [problem.path, problem.message]).sort(), [
      ["database.extensions", "`extensions` applies only to postgres"],
      ["database.file", "`file` applies only to sqlite"],
    ]);
    assert.equal(problemsOf(`database: { file: a.db }\n${SERVICES}`)[0]?.message, "missing `engine`");
    assert.match(problemsOf(`database: { engine: postgres, version: 15.2 }\n${SERVICES}`)[0]?.message ?? "", /major version/);
    assert.match(problemsOf(`database: { url: "postgres://h/d", engine: postgres }\n${SERVICES}`)[0]?.message ?? "", /does not apply/);
  });

  it("keeps the names of the servers berth runs and the variables it sets for them", () => {
    const problems = problemsOf(
      ["database: postgres", "redis: true", "env: { REDIS_URL: x, PGHOST: y }", "services:", "  postgres: { command: x }", "  redis: { command: y }", "  web: { command: z }", ""].join("\n"),
    );
    assert.deepEqual(problems.map((problem) => problem.path).sort(), ["env.PGHOST", "env.REDIS_URL", "services.postgres", "services.redis"]);
    assert.match(problems.find((problem) => problem.path === "services.postgres")?.message ?? "", /berth runs for `database: postgres`/);
    // Without the server, the names are free.
    assert.equal(load("env: { REDIS_URL: redis://elsewhere }\nservices: { postgres: { command: x } }\n").env.REDIS_URL, "redis://elsewhere");
  });

  it("rejects a schedule that is not cron syntax, at its line", () => {
    const [problem] = problemsOf(`backup:\n  schedule: every night\n${SERVICES}`);
    assert.equal(problem?.path, "backup.schedule");
    assert.equal(problem?.location?.line, 2);
    assert.match(problem?.message ?? "", /cron expression/);
    assert.equal(load(`backup: { schedule: "@daily" }\n${SERVICES}`).backup.schedule, "@daily");
  });
});
