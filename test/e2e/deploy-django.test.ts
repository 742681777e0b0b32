import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, makeHome, waitFor } from "../helpers/berth-cli.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "../helpers/django-project.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

function stackFile(version: string, healthPath = "/admin/login/"): string {
  return `name: djdeploy
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: djdeploy.test
  APP_VERSION: ${version}
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2 --graceful-timeout 20
    replicas: 2
    health: { http: ${healthPath}, host: djdeploy.test, interval: 500ms, timeout: 2s, retries: 2, start_period: 20s }
    stop_grace: 20s
proxy:
  hosts: [djdeploy.test]
`;
}

test("Django on gunicorn: deploy under load with zero failed requests, a failing health check never goes live, rollback", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  writeFileSync(join(cwd, "berth.yml"), stackFile("v1"));
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 240_000 };
  await berthOk(["deploy"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = (path: string) => proxyRequest({ port: httpsPort!, host: "djdeploy.test", path, tls: { ca }, timeoutMs: 30_000 });
  await waitFor(async () => (await get("/version/")).text === "hello from v1", "v1 serving", 60_000);

  const load = startLoad({ port: httpsPort!, host: "djdeploy.test", ca, path: "/version/", concurrency: 3 });
  const slow = get("/slow/?seconds=4");
  writeFileSync(join(cwd, "berth.yml"), stackFile("v2"));
  await berthOk(["deploy"], options);
  await waitFor(async () => (await get("/version/")).text === "hello from v2", "v2 serving");
  assert.equal((await slow).text, "slow done v1", "the long request in flight at the switch completed");
  const good = await load.stop();
  assert.equal(good.failures, 0, good.failureSamples.join(" | "));
  assert.ok((good.bodies.get("hello from v1") ?? 0) > 0 && (good.bodies.get("hello from v2") ?? 0) > 0);

  const brokenLoad = startLoad({ port: httpsPort!, host: "djdeploy.test", ca, path: "/version/", concurrency: 3 });
  writeFileSync(join(cwd, "berth.yml"), stackFile("v3", "/no-such-page/"));
  const broken = await berth(["deploy", "--timeout", "15s"], options);
  const brokenReport = await brokenLoad.stop();
  assert.notEqual(broken.code, 0);
  assert.match(broken.stderr, /deploy aborted/);
  assert.equal(brokenReport.failures, 0, brokenReport.failureSamples.join(" | "));
  assert.equal(brokenReport.bodies.get("hello from v3"), undefined);
  assert.equal((await get("/version/")).text, "hello from v2");

  const rollbackLoad = startLoad({ port: httpsPort!, host: "djdeploy.test", ca, path: "/version/", concurrency: 3 });
  const rolledBack = await berthJson<{ durationMs: number }>(["rollback"], options);
  assert.equal((await get("/version/")).text, "hello from v1");
  const rollbackReport = await rollbackLoad.stop();
  assert.equal(rollbackReport.failures, 0, rollbackReport.failureSamples.join(" | "));
  t.diagnostic(`rollback took ${rolledBack.durationMs} ms`);
  await berthOk(["down"], options);
});
