import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berthJson, berthOk, makeHome, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "../helpers/django-project.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STACK = `name: djproxy
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: djproxy.test
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput --clear
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2
    replicas: 2
    health: { http: /admin/login/, host: djproxy.test, interval: 1s, start_period: 30s }
proxy:
  hosts: [djproxy.test]
  static: { /static/: staticfiles }
`;

test("Django behind the proxy over HTTPS: admin login, hashed CSS from the static dir, a streamed upload, a 2 GB body refused", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  writeFileSync(join(cwd, "berth.yml"), STACK);
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);
  await berthOk(["up", "-d"], { home, cwd, env });
  await waitFor(async () => (await berthJson<PsRow[]>(["ps"], { home, cwd, env })).every((row) => row.health === "healthy"), "gunicorn healthy", 60_000);
  const tls = { ca: readFileSync(join(home, "ca", "ca.crt")) };
  const https = (path: string, extra: Partial<Parameters<typeof proxyRequest>[0]> = {}) =>
    proxyRequest({ port: httpsPort!, host: "djproxy.test", path, tls, ...extra });

  const login = await waitFor(async () => {
    const answer = await https("/admin/login/");
    return answer.status === 200 ? answer : undefined;
  }, "the admin login page through the proxy");
  assert.match(login.text, /Django administration/);
  const cssPath = login.text.match(/href="(\/static\/admin\/css\/base\.[0-9a-f]{12}\.css)"/)?.[1];
  assert.ok(cssPath, "the login page links hashed CSS");
  const css = await https(cssPath!, { headers: { "accept-encoding": "gzip" } });
  assert.equal(css.status, 200);
  assert.match(String(css.headers["content-type"]), /^text\/css/);
  assert.match(String(css.headers["cache-control"]), /max-age=31536000.*immutable/);
  assert.ok(css.headers.etag && css.headers["last-modified"]);

  const file = randomBytes(3 * 1024 * 1024);
  const boundary = "berthboundary" + randomBytes(8).toString("hex");
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const upload = await https("/upload/", { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, body });
  assert.equal(upload.status, 200, upload.text);
  assert.deepEqual(JSON.parse(upload.text), { bytes: file.length });

  const refused = await https("/upload/", { method: "POST", headers: { "content-length": String(2 * 1024 ** 3), "content-type": "application/octet-stream" }, body: "x" });
  assert.equal(refused.status, 413);
  assert.match(refused.text, /larger than this site accepts/);
  await berthOk(["down"], { home, cwd, env });
});
