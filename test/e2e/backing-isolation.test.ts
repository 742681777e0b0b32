import { test } from "node:test";
import { scratchDir } from "../../src/config/fixture-dir.js";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, makeHome, processesOfStack } from "../helpers/berth-cli.js";
import { backupOf, runOutput, storedSecret, waitForHealthy, type BackupRow } from "../helpers/backing.js";

function postgresStack(name: string): string {
  const dir = scratchDir("berth-pg-");
  writeFileSync(join(dir, "berth.yml"), `name: ${name}\ndatabase: postgres\nservices:\n  worker:\n    command: sleep 3600\n    stop_grace: 1s\n`);
  return dir;
}

test("two stacks with PostgreSQL side by side: separate clusters, ports and passwords, and neither can log into the other", async (t) => {
  const home = makeHome(t);
  const alpha = { home, cwd: postgresStack("alpha-db") };
  const beta = { home, cwd: postgresStack("beta-db") };
  await berthOk(["up", "-d"], alpha);
  await berthOk(["up", "-d"], beta);
  const [alphaPostgres] = await waitForHealthy(alpha, 2);
  const [betaPostgres] = await waitForHealthy(beta, 2);
  assert.notEqual(alphaPostgres?.port, betaPostgres?.port);
  assert.notEqual(storedSecret(home, "alpha-db", "BERTH_POSTGRES_PASSWORD"), storedSecret(home, "beta-db", "BERTH_POSTGRES_PASSWORD"));
  for (const stack of ["alpha-db", "beta-db"]) assert.ok(existsSync(join(home, "stacks", stack, "data", "postgres", "cluster", "PG_VERSION")));

  // `-` in a stack name becomes `_` in the role and database names.
  assert.match(await runOutput(["psql", "-tAc", "select current_user || ' ' || current_database()"], alpha), /^alpha_db alpha_db$/m);
  await berthOk(["run", "psql", "-qc", "create table secrets_of_alpha (value text); insert into secrets_of_alpha values ('a')"], alpha);

  // Alpha's credentials against beta's server, and beta's against alpha's database name on alpha's server.
  const intoBeta = await berth(["run", "sh", "-c", `PGPORT=${betaPostgres!.port} psql -tAc 'select 1'`], alpha);
  assert.notEqual(intoBeta.code, 0);
  assert.match(intoBeta.stderr, /password authentication failed for user "alpha_db"/);
  const intoAlpha = await berth(["run", "sh", "-c", `PGPORT=${alphaPostgres!.port} PGDATABASE=alpha_db psql -tAc 'select * from secrets_of_alpha'`], beta);
  assert.notEqual(intoAlpha.code, 0);
  assert.match(intoAlpha.stderr, /password authentication failed for user "beta_db"/);
  const adminIntoBeta = await berth(
    ["run", "sh", "-c", `PGPORT=${betaPostgres!.port} PGUSER=postgres PGPASSWORD="$ALPHA_ADMIN" psql -d postgres -tAc 'select 1'`],
    { ...alpha, env: { ALPHA_ADMIN: storedSecret(home, "alpha-db", "BERTH_POSTGRES_ADMIN_PASSWORD") } },
  );
  assert.match(adminIntoBeta.stderr, /password authentication failed for user "postgres"/);

  // down -v deletes the cluster but keeps the backups, which restore into the new one.
  const backup = await backupOf(alpha, "postgres");
  await berthOk(["down", "-v"], alpha);
  assert.ok(!existsSync(join(home, "stacks", "alpha-db", "data")));
  assert.deepEqual((await berthJson<BackupRow[]>(["backups"], alpha)).map((row) => row.name), [backup.name]);
  await berthOk(["up", "-d"], alpha);
  await waitForHealthy(alpha, 2);
  const empty = await berth(["run", "psql", "-tAc", "select value from secrets_of_alpha"], alpha);
  assert.match(empty.stderr, /relation "secrets_of_alpha" does not exist/);
  await berthOk(["restore", backup.path], alpha);
  assert.equal((await runOutput(["psql", "-tAc", "select value from secrets_of_alpha"], alpha)).trim(), "a");

  assert.equal(processesOfStack("beta-db").length > 0, true, "beta untouched by alpha's down -v and up");
  await berthOk(["down"], alpha);
  await berthOk(["down"], beta);
  assert.deepEqual([...processesOfStack("alpha-db"), ...processesOfStack("beta-db")], []);
});
