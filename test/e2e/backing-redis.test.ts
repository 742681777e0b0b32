import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, makeHome, processesOfStack } from "../helpers/berth-cli.js";
import { backupOf, runOutput, storedSecret, waitForHealthy } from "../helpers/backing.js";
import { addCeleryApp, CREATE_SUPERUSER, djangoStackYaml, SUPERUSER_ENV } from "../helpers/django-backing.js";
import { createDjangoProject, DEBIAN_PYTHON } from "../helpers/django-project.js";

const WORKER = `  worker:
    command: ${DEBIAN_PYTHON} -m celery -A mysite worker --loglevel INFO --concurrency 1
    stop_grace: 5s
redis: true
`;

const REDIS_KEY = (command: string) => [
  DEBIAN_PYTHON,
  "-c",
  `import os, sys, redis; r = redis.Redis.from_url(os.environ["REDIS_URL"]); ${command}`,
];

test("Redis: a Celery worker on REDIS_URL runs a task that reads the database; Redis backup and restore", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  addCeleryApp(cwd);
  writeFileSync(join(cwd, "berth.yml"), djangoStackYaml("celerysite", "sqlite", WORKER));
  const options = { home, cwd };
  await berthOk(["up", "-d"], options);
  const rows = await waitForHealthy(options, 3);
  assert.deepEqual(rows.map((row) => row.service), ["redis", "web", "worker"]);

  const env = await berthJson<Record<string, string>>(["env", "worker"], options);
  assert.equal(env.REDIS_URL, `redis://default:********@127.0.0.1:${rows[0]!.port}/0`);
  await berthOk(["run", ...CREATE_SUPERUSER], { ...options, env: SUPERUSER_ENV });
  const result = await runOutput([DEBIAN_PYTHON, "-c", "from mysite.celery import count_users; print(count_users.delay('task').get(timeout=60))"], options);
  assert.match(result, /task: 1 users, worker worker/);

  // Redis requires its password: a client without it is refused.
  const anonymous = await berth(["run", ...REDIS_KEY(`print(redis.Redis(port=${rows[0]!.port}).ping())`)], options);
  assert.match(anonymous.stderr, /Authentication required|NOAUTH/);

  await berthOk(["run", ...REDIS_KEY("r.set('greeting', 'before backup')")], options);
  const backup = await backupOf(options, "redis");
  assert.match(backup.name, /^redis-\d{8}T\d{6}Z\.rdb$/);
  await berthOk(["run", ...REDIS_KEY("r.set('greeting', 'after backup')")], options);
  await berthOk(["restore", backup.name], options);
  assert.equal((await runOutput(REDIS_KEY("print(r.get('greeting').decode())"), options)).trim(), "before backup");
  const again = await runOutput([DEBIAN_PYTHON, "-c", "from mysite.celery import count_users; print(count_users.delay('again').get(timeout=60))"], options);
  assert.match(again, /again: 1 users/, "the worker reconnects after Redis restarted");

  const password = storedSecret(home, "celerysite", "BERTH_REDIS_PASSWORD");
  const config = (await berthOk(["logs", "-n", "500"], options)).stdout;
  assert.ok(!config.includes(password), "the Redis password never reaches the logs");
  await berthOk(["down"], options);
  assert.deepEqual(processesOfStack("celerysite"), []);
});
