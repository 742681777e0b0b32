import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { berthJson, berthOk, makeHome, processesOfStack } from "../helpers/berth-cli.js";
import { getFrom, waitForHealthy } from "../helpers/backing.js";
import { addUserCountView, checkBackupRestoreRoundTrip, djangoStackYaml } from "../helpers/django-backing.js";
import { createDjangoProject } from "../helpers/django-project.js";

test("Django on MariaDB: migrate, createsuperuser, backup, delete the user, restore, the user is back", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  addUserCountView(cwd);
  writeFileSync(join(cwd, "berth.yml"), djangoStackYaml("mariasite", "mariadb"));
  const options = { home, cwd };

  const up = await berthOk(["up", "-d"], options);
  assert.match(up.stderr, /starting mariadb[\s\S]*creating the database mariasite[\s\S]*release: .*migrate/);
  const [mariadb] = await waitForHealthy(options, 2);
  assert.equal(mariadb?.service, "mariadb");
  const env = await berthJson<Record<string, string>>(["env", "web"], options);
  assert.equal(env.DATABASE_URL, `mysql://mariasite:********@127.0.0.1:${mariadb?.port}/mariasite`);
  assert.equal(await getFrom(options, "web", "/users/", "mariasite.test"), "users: 0");

  const backup = await checkBackupRestoreRoundTrip(options, "mariadb", "mariasite.test");
  assert.match(backup.name, /^mariadb-\d{8}T\d{6}Z\.sql\.gz$/);
  await berthOk(["down"], options);
  assert.deepEqual(processesOfStack("mariasite"), []);
});
