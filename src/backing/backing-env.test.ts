import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixtureDir } from "../config/fixture-dir.js";
import { loadStack } from "../config/load.js";
import { stackPaths } from "../util/paths.js";
import { backingEnv } from "./backing-env.js";

function stackOf(yaml: string) {
  return loadStack(join(fixtureDir({ "berth.yml": yaml }), "berth.yml"), { env: { DB: "postgres://app:p%40ss@db.example.org/app" } });
}

describe("backingEnv", () => {
  it("derives the same URLs from the stack's files every time, and two stacks never share a port", () => {
    const home = fixtureDir({}, "berth-home-");
    const stack = stackOf("name: my-app\ndatabase: postgres\nredis: true\nservices: { web: { command: x } }\n");
    const first = backingEnv(stack, stackPaths("my-app", home));
    const again = backingEnv(stack, stackPaths("my-app", home));
    assert.deepEqual(again, first);
    const { env } = first;
    assert.match(env.DATABASE_URL!, /^postgres:\/\/my_app:[\w-]{43}@127\.0\.0\.1:\d+\/my_app$/);
    assert.equal(env.PGUSER, "my_app");
    assert.equal(env.PGDATABASE, "my_app");
    assert.equal(env.PGHOST, "127.0.0.1");
    assert.ok(env.DATABASE_URL!.includes(`:${env.PGPASSWORD}@`) && env.DATABASE_URL!.endsWith(`:${env.PGPORT}/my_app`));
    assert.match(env.REDIS_URL!, /^redis:\/\/default:[\w-]{43}@127\.0\.0\.1:\d+\/0$/);
    const ports = JSON.parse(readFileSync(join(home, "stacks", "my-app", "data", "backing.json"), "utf8")) as Record<string, number>;
    assert.deepEqual(Object.keys(ports).sort(), ["postgres", "redis"]);
    assert.ok(first.secretValues.includes(env.PGPASSWORD!));

    const other = stackOf("name: other\ndatabase: mariadb\nservices: { web: { command: x } }\n");
    const otherEnv = backingEnv(other, stackPaths("other", home)).env;
    assert.match(otherEnv.DATABASE_URL!, /^mysql:\/\/other:[\w-]{43}@127\.0\.0\.1:\d+\/other$/);
    const otherPort = Number(/:(\d+)\//.exec(otherEnv.DATABASE_URL!)?.[1]);
    assert.ok(![Number(env.PGPORT), ports.redis].includes(otherPort));
  });

  it("sets nothing for SQLite, and treats an external URL's password as a secret", () => {
    const home = fixtureDir({}, "berth-home-");
    assert.deepEqual(backingEnv(stackOf("name: lite\nservices: { web: { command: x } }\n"), stackPaths("lite", home)), { env: {}, secretValues: [] });
    const external = backingEnv(stackOf("name: ext\ndatabase: { url: \"${DB}\" }\nservices: { web: { command: x } }\n"), stackPaths("ext", home));
    assert.deepEqual(external.env, {});
    assert.deepEqual(external.secretValues, ["p%40ss", "p@ss"]);
  });
});
