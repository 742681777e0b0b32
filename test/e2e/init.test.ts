import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berthOk, makeHome, tempDir, type BerthOptions } from "../helpers/berth-cli.js";
import { addCeleryApp } from "../helpers/django-backing.js";
import { createDjangoProject } from "../helpers/django-project.js";
import { freePorts, proxyEnv, proxyRequest, type ProxyAnswer } from "../helpers/proxy-client.js";

// `berth init` then `berth up -d`, with no edit in between: each kind of project answers over HTTPS
// through the proxy. Debian's python3, gunicorn and celery come first on the PATH, as on a server.

const EXPRESS_STYLE_SERVER = `const http = require("node:http");
const fs = require("node:fs");
http
  .createServer((request, response) => {
    if (request.url === "/assets/site.css") return response.writeHead(500).end("the proxy should have served this");
    response.writeHead(200, { "content-type": "text/plain" }).end("hello from the node app\\n");
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
// Express would write: app.use('/assets', express.static(path.join(__dirname, 'public')));
`;

async function initAndUp(t: TestContext, home: string, cwd: string, httpsPort: number, env: Record<string, string>) {
  const options: BerthOptions = { home, cwd, env: { ...env, PATH: `/usr/bin:/bin:${process.env.PATH}` }, timeoutMs: 240_000 };
  const init = await berthOk(["init"], options);
  const name = /^name: (.+)$/m.exec(readFileSync(join(cwd, "berth.yml"), "utf8"))![1]!;
  // localhost has one owner: each project's stack is stopped before the next comes up (and
  // before its directory is removed, so by name from berth's home).
  t.after(() => berthOk(["--stack", name, "down"], { home, timeoutMs: 120_000 }).then(() => undefined));
  await berthOk(["up", "-d"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = (path: string): Promise<ProxyAnswer> => proxyRequest({ port: httpsPort, host: "localhost", path, tls: { ca } });
  return { options, init, get, file: readFileSync(join(cwd, "berth.yml"), "utf8") };
}

test("berth init + berth up -d serves a Django project with Celery, an Express-style app and a Procfile app over HTTPS", async (t) => {
  const home = makeHome(t);
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);

  await t.test("Django with Celery: gunicorn, worker, beat, Redis; CSS from the proxy", async (t) => {
    const cwd = createDjangoProject(t);
    addCeleryApp(cwd);
    writeFileSync(join(cwd, "mysite", "settings.py"), readFileSync(join(cwd, "mysite", "settings.py"), "utf8").replace("DEBUG = True", "DEBUG = False"));
    const { options, get, file } = await initAndUp(t, home, cwd, httpsPort!, env);
    assert.match(file, /redis: true/);
    const login = await get("/admin/login/");
    assert.equal(login.status, 200);
    assert.match(login.text, /Django/);
    const css = await get("/static/admin/css/base.css");
    assert.equal(css.status, 200, "gunicorn (DEBUG off) serves no static files: the proxy does");
    assert.match(css.text, /DJANGO Admin styles/i);
    const services = (await berthOk(["ps", "--json"], options)).stdout;
    for (const service of ["redis", "web", "worker", "beat"]) assert.match(services, new RegExp(`"service": "${service}"`));
  });

  await t.test("Django in a virtualenv, redirecting plain HTTP to HTTPS: every command runs the virtualenv's python, the probe comes as HTTPS", async (t) => {
    const cwd = createDjangoProject(t);
    // Production settings behind a TLS proxy: a request the proxy did not mark as HTTPS gets 301.
    appendFileSync(join(cwd, "mysite", "settings.py"), 'SECURE_SSL_REDIRECT = True\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n');
    // --system-site-packages: the virtualenv sees Debian's Django and gunicorn (no package index here).
    execFileSync("/usr/bin/python3", ["-m", "venv", "--system-site-packages", join(cwd, ".venv")]);
    const { options, get, file } = await initAndUp(t, home, cwd, httpsPort!, env);
    assert.match(file, /command: \.venv\/bin\/python -m gunicorn mysite\.wsgi --bind 127\.0\.0\.1:\$PORT/);
    assert.match(file, /- \.venv\/bin\/python manage\.py migrate --noinput/);
    assert.equal((await get("/admin/login/")).status, 200);
    const web = (JSON.parse((await berthOk(["ps", "--json"], options)).stdout) as { service: string; pid: number }[]).find((row) => row.service === "web")!;
    const commandLine = readFileSync(`/proc/${web.pid}/cmdline`, "utf8").split("\0");
    assert.deepEqual(commandLine.slice(0, 3), [".venv/bin/python", "-m", "gunicorn"], "the replica is the virtualenv's python");
    const plain = await proxyRequest({ port: httpPort!, host: "localhost", path: "/admin/login/" });
    assert.equal(plain.status, 308, "plain HTTP is the proxy's to redirect");
  });

  await t.test("Django on PostgreSQL named by POSTGRES_* variables: berth's PostgreSQL fills them", async (t) => {
    const cwd = createDjangoProject(t);
    const settingsPath = join(cwd, "mysite", "settings.py");
    const settings = readFileSync(settingsPath, "utf8").replace(
      'DATABASES = {"default": dj_database_url.config(conn_max_age=60)}',
      [
        "DATABASES = {",
        '    "default": {',
        '        "ENGINE": "django.db.backends.postgresql",',
        '        "NAME": os.environ.get("POSTGRES_DB", "mysite"),',
        '        "USER": os.environ.get("POSTGRES_USER", "mysite"),',
        '        "PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),',
        '        "HOST": os.environ.get("POSTGRES_HOST", "localhost"),',
        '        "PORT": os.environ.get("POSTGRES_PORT", "5432"),',
        "    }",
        "}",
      ].join("\n"),
    );
    assert.ok(settings.includes("django.db.backends.postgresql"), "the test project's DATABASES line was replaced");
    writeFileSync(settingsPath, settings);
    const { options, get, file } = await initAndUp(t, home, cwd, httpsPort!, env);
    assert.match(file, /^database: postgres$/m);
    assert.match(file, /POSTGRES_HOST: "\$\{PGHOST\}"/);
    assert.equal((await get("/admin/login/")).status, 200);
    const vendor = await berthOk(["run", "/usr/bin/python3", "manage.py", "shell", "-c", "from django.db import connection; connection.ensure_connection(); print(connection.vendor, connection.settings_dict['PORT'])"], options);
    const backing = (JSON.parse((await berthOk(["ps", "--json"], options)).stdout) as { service: string; port: number | null }[]).find((row) => row.service === "postgres");
    assert.equal(vendor.stdout.trim(), `postgresql ${backing?.port}`, "the migrated database is berth's PostgreSQL");
  });

  await t.test("a repository with the Django project in backend/ and the virtualenv at its root", async (t) => {
    const root = tempDir(t, "berth-init-below-");
    cpSync(createDjangoProject(t), join(root, "backend"), { recursive: true });
    execFileSync("/usr/bin/python3", ["-m", "venv", "--system-site-packages", join(root, ".venv")]);
    const { get, file } = await initAndUp(t, home, root, httpsPort!, env);
    assert.match(file, /command: cd backend && exec \.\.\/\.venv\/bin\/python -m gunicorn mysite\.wsgi/);
    const login = await get("/admin/login/");
    assert.equal(login.status, 200);
    const css = login.text.match(/href="(\/static\/admin\/css\/base\.[0-9a-f]{12}\.css)"/)?.[1];
    assert.equal((await get(css ?? "/static/admin/css/base.css")).status, 200, "collectstatic ran in backend/ and the proxy serves backend/staticfiles");
  });

  await t.test("Express-style Node app: npm start, its prefixed static directory from the proxy", async (t) => {
    const cwd = tempDir(t, "berth-init-node-");
    writeFileSync(join(cwd, "package.json"), JSON.stringify({ name: "expressish", main: "server.js", scripts: { start: "node server.js" } }));
    writeFileSync(join(cwd, "server.js"), EXPRESS_STYLE_SERVER);
    mkdirSync(join(cwd, "public"));
    writeFileSync(join(cwd, "public", "site.css"), "body { margin: 0 }\n");
    const { get } = await initAndUp(t, home, cwd, httpsPort!, env);
    assert.equal((await get("/")).text, "hello from the node app\n");
    const css = await get("/assets/site.css");
    assert.equal(css.status, 200);
    assert.equal(css.text, "body { margin: 0 }\n");
  });

  await t.test("Procfile app binding 0.0.0.0: rewritten to loopback, checked, served", async (t) => {
    const cwd = tempDir(t, "berth-init-procfile-");
    writeFileSync(join(cwd, "Procfile"), "web: python3 -m http.server --bind 0.0.0.0 $PORT\n");
    writeFileSync(join(cwd, "index.html"), "<h1>procfile app</h1>\n");
    const { get, file } = await initAndUp(t, home, cwd, httpsPort!, env);
    assert.match(file, /--bind 127\.0\.0\.1 \$PORT/);
    assert.match(file, /health:\n\s+http: \//);
    const page = await get("/");
    assert.equal(page.status, 200);
    assert.equal(page.text, "<h1>procfile app</h1>\n");
  });
});
