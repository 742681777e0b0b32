import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, FIXTURES, makeHome, tempDir, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "../helpers/django-project.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const PROD_HOST = "envsite.test";
const DEV_HOST = "envsite-dev.test";
const DEV_SECRET = "dev-only-secret-key-7d1e0c55";

const GREETING_VIEW = (text: string) => `from django.http import HttpResponse


def greeting(request):
    return HttpResponse("${text}", content_type="text/plain")
`;

const PRODUCTION = `name: envsite
database: postgres
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: localhost,${PROD_HOST},${DEV_HOST}
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2
    replicas: 2
    health: { http: /admin/login/, host: ${PROD_HOST}, interval: 1s, timeout: 3s, start_period: 30s }
  worker:
    command: sh -c 'echo worker; exec sleep 3600'
proxy:
  hosts: [${PROD_HOST}]
`;

// The dev overlay: runserver (without its own reloader, so berth's watch is what restarts it),
// DEBUG on, no worker, its own host and a secret of its own.
const DEVELOPMENT = `env:
  DJANGO_DEBUG: 1
  SECRET_KEY: ${DEV_SECRET}
release: ${DEBIAN_PYTHON} manage.py migrate --noinput
services:
  web:
    command: ${DEBIAN_PYTHON} manage.py runserver --noreload 127.0.0.1:$PORT
    replicas: 1
    health: { host: ${DEV_HOST} }
    watch:
      paths: [mysite]
      ignore: ["*.tmp"]
  worker: null
proxy:
  hosts: [${DEV_HOST}]
`;

test("a dev destination runs beside production from one berth.yml plus berth.dev.yml; a watched edit restarts it", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  writeFileSync(join(cwd, "mysite", "greeting.py"), GREETING_VIEW("greeting v1"));
  appendFileSync(join(cwd, "mysite", "urls.py"), "\nfrom mysite.greeting import greeting\n\nurlpatterns += [path('greeting/', greeting)]\n");
  writeFileSync(join(cwd, "berth.yml"), PRODUCTION);
  writeFileSync(join(cwd, "berth.dev.yml"), DEVELOPMENT);
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 240_000 };

  await berthOk(["up", "-d"], options);
  await berthOk(["-d", "dev", "up", "-d"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = (host: string, path: string) => proxyRequest({ port: httpsPort!, host, path, tls: { ca } });
  assert.equal((await get(PROD_HOST, "/greeting/")).text, "greeting v1");
  assert.equal((await get(DEV_HOST, "/greeting/")).text, "greeting v1");

  const stacks = await berthJson<{ name: string }[]>(["ls"], options);
  assert.deepEqual(stacks.map((stack) => stack.name).sort(), ["envsite", "envsite-dev"]);
  const prodRows = await berthJson<PsRow[]>(["ps"], options);
  const devRows = await berthJson<PsRow[]>(["-d", "dev", "ps"], options);
  assert.deepEqual(prodRows.map((row) => row.service), ["postgres", "web", "web", "worker"]);
  assert.deepEqual(devRows.map((row) => row.service), ["postgres", "web"], "the dev stack has its own database and no worker");
  assert.notEqual(prodRows[0]!.port, devRows[0]!.port);
  const devDatabase = (await berthOk(["-d", "dev", "run", "--service", "web", "sh", "-c", "echo $PGDATABASE $DJANGO_DEBUG $PWD"], options)).stdout.trim();
  assert.equal(devDatabase, `envsite_dev 1 ${cwd}`, "berth run --service uses the dev service's env and cwd");

  // An edited view: the dev stack serves it within seconds, production (gunicorn, not watched) does not change.
  writeFileSync(join(cwd, "mysite", "greeting.py"), GREETING_VIEW("greeting v2"));
  await waitFor(async () => (await get(DEV_HOST, "/greeting/")).text === "greeting v2", "the dev stack serving the edited view", 20_000);
  assert.equal((await get(PROD_HOST, "/greeting/")).text, "greeting v1");
  const devLogs = (await berthOk(["-d", "dev", "logs", "web", "-n", "50"], options)).stdout;
  assert.match(devLogs, /mysite\/greeting\.py changed: restarting web/);

  // berth config: the merged file, secrets masked.
  const config = (await berthOk(["config", "-d", "dev"], options)).stdout;
  assert.match(config, /runserver --noreload/);
  assert.match(config, /SECRET_KEY: "?\*{8}"?/);
  assert.ok(!config.includes(DEV_SECRET), "berth config never prints a secret");
  assert.ok(!config.includes("worker"), "the worker the overlay removed is gone");
  assert.match(config, /name: envsite-dev/);

  // A mistake in the overlay is reported where it was written.
  writeFileSync(join(cwd, "berth.dev.yml"), DEVELOPMENT.replace("replicas: 1", "replicas: one"));
  const broken = await berth(["-d", "dev", "config"], options);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /berth\.dev\.yml:8:15/);
  assert.match(broken.stderr, /services\.web\.replicas/);
});

test("a destination deploys and rolls back from its release's own files; several -f files merge in order", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-destination-");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: shop
env: { APP_VERSION: base }
services:
  web:
    command: ${process.execPath} ${join(FIXTURES, "apps", "stream-app.mjs")}
    health: { http: /health, interval: 500ms }
proxy:
  hosts: [shop.test]
`,
  );
  const staging = (version: string) => `env: { APP_VERSION: ${version} }\nproxy: { hosts: [staging.shop.test] }\n`;
  writeFileSync(join(cwd, "berth.staging.yml"), staging("staging-1"));
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 180_000 };
  await berthOk(["-d", "staging", "deploy"], options);
  writeFileSync(join(cwd, "berth.staging.yml"), staging("staging-2"));
  await berthOk(["-d", "staging", "deploy"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = async () => (await proxyRequest({ port: httpsPort!, host: "staging.shop.test", path: "/", tls: { ca } })).text;
  assert.match(await get(), /^hello from staging-2/);
  assert.deepEqual((await berthJson<{ name: string }[]>(["ls"], options)).map((stack) => stack.name), ["shop-staging"]);

  await berthOk(["-d", "staging", "rollback"], options);
  await waitFor(async () => /^hello from staging-1/.test(await get()), "the staging stack rolled back to its first release");

  writeFileSync(join(cwd, "a.yml"), "env: { A: from-a, B: from-a }\n");
  writeFileSync(join(cwd, "b.yml"), "env: { B: from-b }\n");
  const merged = await berthJson<{ name: string; env: Record<string, string> }>(["-f", "berth.yml", "-f", "a.yml", "-f", "b.yml", "config"], options);
  assert.equal(merged.name, "shop");
  assert.deepEqual(merged.env, { APP_VERSION: "base", A: "from-a", B: "from-b" });
});
