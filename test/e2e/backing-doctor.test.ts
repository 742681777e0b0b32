import { test } from "node:test";
import { scratchDir } from "../../src/config/fixture-dir.js";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { berth, berthOk, makeHome, processesOfStack, waitFor } from "../helpers/berth-cli.js";

interface DoctorReport {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; hint?: string }[];
}

function stackDir(name: string, database: string, redis = false): string {
  const dir = scratchDir("berth-doctor-");
  writeFileSync(join(dir, "berth.yml"), `name: ${name}\ndatabase: ${database}\nredis: ${redis}\nservices:\n  worker: { command: sleep 3600 }\n`);
  return dir;
}

test("doctor reports what the stack needs; up with a missing server fails at once naming the Debian package", async (t) => {
  const home = makeHome(t);
  const empty = scratchDir("berth-empty-bin-");
  const cwd = stackDir("doctored", "postgres", true);

  const healthy = await berthOk(["doctor"], { home, cwd });
  assert.match(healthy.stdout, /^OK +postgresql: PostgreSQL \d+ in \/usr\/lib\/postgresql\/\d+\/bin$/m);
  assert.match(healthy.stdout, /^OK +redis: /m);

  const broken = { home, cwd, env: { BERTH_PG_BIN_DIR: empty } };
  const report = await berth(["doctor"], broken);
  assert.equal(report.code, 1);
  assert.match(report.stdout, /^FAIL +postgresql: PostgreSQL is not installed: no initdb and postgres in .* \(BERTH_PG_BIN_DIR\)$/m);
  assert.match(report.stdout, /hint: install it: apt-get install postgresql /);
  const json = await berth(["doctor", "--json"], broken);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as DoctorReport;
  assert.equal(parsed.ok, false);
  assert.deepEqual(parsed.checks.filter((check) => !check.ok).map((check) => check.name), ["postgresql"]);

  // The daemon this `up` starts has the same environment, so it finds no PostgreSQL either.
  const up = await berth(["up", "-d"], broken);
  assert.equal(up.code, 1);
  assert.match(up.stderr, /error: PostgreSQL is not installed/);
  assert.match(up.stderr, /hint: install it: apt-get install postgresql .*`berth doctor`/);
  assert.deepEqual(processesOfStack("doctored"), []);
});

test("up names redis-server and mariadb-server when they are missing", async (t) => {
  for (const [database, redis, variable, pattern] of [
    ["sqlite", true, "BERTH_REDIS_BIN_DIR", /apt-get install redis-server/],
    ["mariadb", false, "BERTH_MARIADB_BIN_DIR", /apt-get install mariadb-server/],
  ] as const) {
    const home = makeHome(t);
    const empty = scratchDir("berth-empty-bin-");
    const up = await berth(["up", "-d"], { home, cwd: stackDir(`missing-${variable.length}`, database, redis), env: { [variable]: empty } });
    assert.equal(up.code, 1, up.stderr);
    assert.match(up.stderr, pattern);
  }
});

test("a database server that cannot start fails up at once, and its log says why", async (t) => {
  const home = makeHome(t);
  const cwd = stackDir("portclash", "postgres");
  // Something else holds the port berth recorded for the stack's PostgreSQL.
  const blocker = createServer().listen(0, "127.0.0.1");
  await once(blocker, "listening");
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  mkdirSync(join(home, "stacks", "portclash", "data"), { recursive: true });
  writeFileSync(join(home, "stacks", "portclash", "data", "backing.json"), JSON.stringify({ postgres: port }));

  const started = Date.now();
  const up = await berth(["up", "-d"], { home, cwd });
  assert.equal(up.code, 3);
  assert.match(up.stderr, /postgres did not become ready: it keeps exiting \(exit code 1\)/);
  assert.ok(Date.now() - started < 30_000, "no waiting out the readiness timeout");
  assert.match((await berthOk(["logs", "postgres", "-n", "200"], { home, cwd })).stdout, /could not bind IPv4 address "127\.0\.0\.1": Address already in use/);
  // Health probes already running when the stack stopped end at their own timeout (3 s).
  await waitFor(() => processesOfStack("portclash").length === 0, "no process of the stack left", 10_000);
});
