import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { berthJson, berthOk, httpGet, makeHome, processesOfStack, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "../helpers/django-project.js";

const STACK = `name: djsite
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: localhost,djsite.test
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2 --threads 2
    replicas: 2
    health: { http: /admin/login/, host: djsite.test, interval: 1s, timeout: 3s, start_period: 30s }
`;

const USER_EXISTS = "from django.contrib.auth.models import User; print('users:', User.objects.filter(username='admin').count())";

test("Django on gunicorn with 2 replicas on SQLite: migrate, serve, createsuperuser, data survives down/up", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  writeFileSync(join(cwd, "berth.yml"), STACK);
  const options = { home, cwd };

  const up = await berthOk(["up", "-d"], options);
  assert.match(up.stderr, /release: .*manage.py migrate/);
  const rows = await waitFor(async () => {
    const current = await berthJson<PsRow[]>(["ps"], options);
    return current.length === 2 && current.every((row) => row.health === "healthy") ? current : undefined;
  }, "both gunicorn replicas healthy", 60_000);
  assert.equal(new Set(rows.map((row) => row.port)).size, 2);
  for (const row of rows) {
    const page = await httpGet(row.port!, "/admin/login/");
    assert.equal(page.status, 200, `replica ${row.replica}`);
    assert.match(page.body, /Django administration|Log in/);
  }
  assert.match((await berthOk(["logs", "release", "-n", "50"], options)).stdout, /Applying auth\.0001_initial/);

  await berthOk(["run", DEBIAN_PYTHON, "manage.py", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.org"], {
    ...options,
    env: { DJANGO_SUPERUSER_PASSWORD: "correct horse battery staple" },
  });
  await berthOk(["down"], options);
  assert.deepEqual(processesOfStack("djsite"), []);

  await berthOk(["up", "-d"], options);
  const check = await berthOk(["run", DEBIAN_PYTHON, "manage.py", "shell", "-c", USER_EXISTS], options);
  assert.match(check.stdout, /users: 1/);
  const env = await berthJson<Record<string, string>>(["env", "web"], options);
  assert.match(env.DATABASE_URL!, /^sqlite:\/\/\/\/.*\/djsite\/data\/db\.sqlite3$/);
  assert.equal(env.SECRET_KEY, "********");
  await berthOk(["down"], options);
  assert.deepEqual(processesOfStack("djsite"), []);
});
