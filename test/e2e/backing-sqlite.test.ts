import { test } from "node:test";
import { scratchDir } from "../../src/config/fixture-dir.js";
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, makeHome, waitFor } from "../helpers/berth-cli.js";
import { getFrom, waitForHealthy, type BackupRow } from "../helpers/backing.js";
import { addUserCountView, checkBackupRestoreRoundTrip, djangoStackYaml } from "../helpers/django-backing.js";
import { createDjangoProject } from "../helpers/django-project.js";

test("Django on SQLite: createsuperuser, backup, delete the user, restore; a damaged backup is refused", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  addUserCountView(cwd);
  writeFileSync(join(cwd, "berth.yml"), djangoStackYaml("litesite", "sqlite"));
  const options = { home, cwd };
  await berthOk(["up", "-d"], options);
  await waitForHealthy(options, 1);
  const backup = await checkBackupRestoreRoundTrip(options, "sqlite", "litesite.test");
  assert.match(backup.name, /^sqlite-\d{8}T\d{6}Z\.sqlite3$/);

  appendFileSync(backup.path, "garbage");
  const refused = await berth(["restore", backup.name], options);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is damaged: its SHA-256 does not match/);
  const [web] = await berthJson<{ restarts: number; status: string }[]>(["ps"], options);
  assert.equal(web?.status, "running", "nothing was stopped for a backup that does not verify");
  assert.equal(await getFrom(options, "web", "/users/", "litesite.test"), "users: 1");
  await berthOk(["down"], options);
});

test("backup.schedule takes automatic backups and keeps the newest `keep`; manual ones stay", async (t) => {
  const home = makeHome(t);
  const cwd = scratchDir("berth-scheduled-");
  writeFileSync(join(cwd, "berth.yml"), `name: scheduled\nbackup: { schedule: "* * * * * *", keep: 2 }\nservices:\n  worker:\n    command: sleep 3600\n    stop_grace: 1s\n`);
  const options = { home, cwd, env: { BERTH_MIN_BACKUP_INTERVAL: "1s" } };
  await berthOk(["run", "sh", "-c", 'sqlite3 "${DATABASE_URL#sqlite:///}" "create table t (x); insert into t values (1)"'], options);
  await berthOk(["up", "-d"], options);
  const [manual] = await berthJson<BackupRow[]>(["backup"], options);
  // Every second a new automatic backup; the oldest beyond two are deleted.
  const seen = new Set<string>();
  await waitFor(async () => {
    const automatic = (await berthJson<BackupRow[]>(["backups"], options)).filter((row) => row.kind === "auto");
    assert.ok(automatic.length <= 2, `${automatic.length} automatic backups kept`);
    automatic.forEach((row) => seen.add(row.name));
    return seen.size >= 4 && automatic.length === 2;
  }, "four automatic backups, two kept", 30_000);
  const names = (await berthJson<BackupRow[]>(["backups"], options)).map((row) => row.name);
  assert.ok(names.includes(manual!.name), "the manual backup is never pruned");
  await berthOk(["down"], options);
});
