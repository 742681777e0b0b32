import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UserError } from "../errors.js";
import { fixtureDir } from "./fixture-dir.js";
import { loadStack } from "./load.js";
import { buildServiceEnv, buildTaskEnv } from "./service-env.js";

const load = (yaml: string) => loadStack(join(fixtureDir({ "berth.yml": yaml }), "berth.yml"), { env: {} });

describe("env values that refer to what berth provides at start", () => {
  const stack = load(
    [
      "name: pixel",
      "database: postgres",
      "secrets: [SECRET_KEY]",
      'env: { DATABASE_PASSWORD: "${PGPASSWORD}", SIGNING: "key=${SECRET_KEY}", LITERAL: "$$HOME" }',
      "services:",
      '  web: { command: x, env: { LISTEN: "127.0.0.1:${PORT}" } }',
    ].join("\n"),
  );
  const backingEnv = { PGPASSWORD: "pg-pass", DATABASE_URL: "postgres://u:pg-pass@127.0.0.1:5432/pixel" };
  const common = { stack, secrets: { SECRET_KEY: "k1" }, dataDir: "/data", baseEnv: {}, backingEnv };

  it("are resolved per process: each replica its own PORT", () => {
    const env0 = buildServiceEnv({ ...common, service: stack.services[0]!, replica: 0, port: 41000 });
    const env1 = buildServiceEnv({ ...common, service: stack.services[0]!, replica: 1, port: 41001 });
    assert.equal(env0.DATABASE_PASSWORD, "pg-pass");
    assert.equal(env0.SIGNING, "key=k1");
    assert.equal(env0.LISTEN, "127.0.0.1:41000");
    assert.equal(env1.LISTEN, "127.0.0.1:41001");
    assert.equal(env0.LITERAL, "$HOME");
  });

  it("are resolved for one-off commands too", () => {
    assert.equal(buildTaskEnv(common).DATABASE_PASSWORD, "pg-pass");
  });

  it("an unknown name is an error that names what berth provides", () => {
    try {
      load(["database: postgres", 'env: { X: "${PGPASWORD}" }', "services:", "  web: { command: x }"].join("\n"));
      assert.fail("expected an error");
    } catch (error) {
      assert.ok(error instanceof UserError);
      const [diagnostic] = error.options.diagnostics ?? [];
      assert.match(diagnostic!.message, /PGPASWORD/);
      assert.match(diagnostic!.hint ?? "", /berth provides at start: .*PGPASSWORD/);
      assert.equal(diagnostic!.location?.line, 2);
    }
  });

  it("PG* are provided only with database: postgres", () => {
    assert.throws(() => load(['env: { X: "${PGPASSWORD}" }', "services:", "  web: { command: x }"].join("\n")), UserError);
  });
});
