import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berthJson, berthOk, makeHome, processesOfStack, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { backupOf, getFrom, runOutput, storedSecret, waitForHealthy, type BackupRow } from "../helpers/backing.js";
import { addUserCountView, COUNT_ADMINS, CREATE_SUPERUSER, DELETE_ADMIN, djangoStackYaml, SUPERUSER_ENV } from "../helpers/django-backing.js";
import { createDjangoProject } from "../helpers/django-project.js";

const HOST = "pgsite.test";

test("Django on PostgreSQL: migrate, createsuperuser, backup, delete, restore; postgres killed with SIGKILL comes back", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  addUserCountView(cwd);
  writeFileSync(join(cwd, "berth.yml"), djangoStackYaml("pgsite", "{ engine: postgres, extensions: [pg_trgm] }"));
  const options = { home, cwd };

  const up = await berthOk(["up", "-d"], options);
  assert.match(up.stderr, /starting postgres[\s\S]*creating the database pgsite[\s\S]*release: .*migrate[\s\S]*starting web/);
  const rows = await waitForHealthy(options, 2);
  assert.deepEqual(rows.map((row) => row.service), ["postgres", "web"]);
  assert.equal(await getFrom(options, "web", "/users/", HOST), "users: 0");

  const env = await berthJson<Record<string, string>>(["env", "web"], options);
  const password = storedSecret(home, "pgsite", "BERTH_POSTGRES_PASSWORD");
  assert.equal(env.DATABASE_URL, `postgres://pgsite:********@127.0.0.1:${rows[0]!.port}/pgsite`);
  assert.equal(env.PGPASSWORD, "********");
  const shown = (await berthOk(["env"], options)).stdout;
  assert.ok(!shown.includes(password), "berth env never prints the database password");
  assert.match(await runOutput(["psql", "-tAc", "select extname from pg_extension where extname = 'pg_trgm'"], options), /pg_trgm/);

  await berthOk(["run", ...CREATE_SUPERUSER], { ...options, env: SUPERUSER_ENV });
  assert.equal(await getFrom(options, "web", "/users/", HOST), "users: 1");

  const backup = await backupOf(options, "postgres");
  assert.match(backup.name, /^postgres-\d{8}T\d{6}Z\.dump$/);
  assert.ok(existsSync(`${backup.path}.sha256`));
  const listed = await berthJson<BackupRow[]>(["backups"], options);
  assert.deepEqual(listed.map((row) => row.name), [backup.name]);

  assert.match(await runOutput(DELETE_ADMIN, options), /deleted 1/);
  assert.equal(await getFrom(options, "web", "/users/", HOST), "users: 0");
  const restore = await berthOk(["restore", backup.name], options);
  assert.match(restore.stderr, /verifying[\s\S]*stopping web[\s\S]*restoring[\s\S]*starting web/);
  assert.match(await runOutput(COUNT_ADMINS, options), /admins: 1/);
  const [postgres, web] = await waitForHealthy(options, 2);
  assert.equal(postgres?.pid, rows[0]?.pid, "the database itself kept running");
  assert.equal(await getFrom(options, "web", "/users/", HOST), "users: 1");

  // The supervisor restarts PostgreSQL; the app reconnects by itself.
  process.kill(postgres!.pid!, "SIGKILL");
  const restarted = await waitFor(async () => {
    const current = await berthJson<PsRow[]>(["ps"], options);
    const row = current.find((candidate) => candidate.service === "postgres");
    return row && row.pid !== postgres!.pid && row.health === "healthy" ? row : undefined;
  }, "postgres restarted and healthy", 60_000);
  assert.equal(restarted.restarts, 1);
  assert.equal(restarted.port, postgres!.port);
  assert.equal(await waitFor(() => getFrom(options, "web", "/users/", HOST).catch(() => undefined), "the app to read its database again"), "users: 1");
  const webNow = (await berthJson<PsRow[]>(["ps"], options)).find((row) => row.service === "web");
  assert.equal(webNow?.restarts, 0, "the app itself was not restarted");
  assert.equal(webNow?.pid, web?.pid);

  await berthOk(["down"], options);
  assert.deepEqual(processesOfStack("pgsite"), []);
  await berthOk(["up", "-d"], options);
  const again = await berthJson<Record<string, string>>(["env", "web"], options);
  assert.equal(again.DATABASE_URL, env.DATABASE_URL, "the same port and credentials after down/up");
  assert.equal(await waitFor(() => getFrom(options, "web", "/users/", HOST).catch(() => undefined), "the app after up"), "users: 1");
  await berthOk(["down"], options);
  assert.deepEqual(processesOfStack("pgsite"), []);
});
