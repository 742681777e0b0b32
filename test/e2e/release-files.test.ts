import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, FIXTURES, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "../helpers/django-project.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const HOST = "relfiles.test";

const LOCAL_SETTINGS_AND_FILES = `
try:
    from .settings_local import *  # noqa: F401,F403 (git-ignored, per host)
except ImportError:
    pass
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
STATICFILES_DIRS = [BASE_DIR / "assets"]
`;

const GREETING_VIEW = `

def greeting(request):
    from django.conf import settings
    return HttpResponse(getattr(settings, "GREETING", "no local settings"), content_type="text/plain")


urlpatterns += [path("greeting/", greeting)]
`;

const DJANGO_STACK = `name: relfiles
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: localhost,${HOST}
shared: [mysite/settings_local.py, media]
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2
    health: { http: /admin/login/, host: ${HOST}, interval: 1s, timeout: 3s, start_period: 30s }
proxy:
  hosts: [${HOST}]
  static: { /static/: staticfiles, /media/: media }
`;

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.email=test@example.org", "-c", "user.name=test", ...args], { cwd, stdio: "pipe" });

test("git-ignored settings and uploaded media carry over to a deploy --ref; an edited CSS file deployed from the working directory is served", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  appendFileSync(join(cwd, "mysite", "settings.py"), LOCAL_SETTINGS_AND_FILES);
  appendFileSync(join(cwd, "mysite", "urls.py"), GREETING_VIEW);
  mkdirSync(join(cwd, "assets"));
  writeFileSync(join(cwd, "assets", "site.css"), "body { color: red }\n");
  writeFileSync(join(cwd, "berth.yml"), DJANGO_STACK);
  writeFileSync(join(cwd, ".gitignore"), "mysite/settings_local.py\nmedia/\nstaticfiles/\n__pycache__/\n");
  git(cwd, "init", "-q");
  git(cwd, "add", ".");
  git(cwd, "commit", "-qm", "app");
  // What only this host has: local settings and a file uploaded while the stack ran from here.
  writeFileSync(join(cwd, "mysite", "settings_local.py"), 'GREETING = "hello from settings_local"\n');
  mkdirSync(join(cwd, "media", "uploads"), { recursive: true });
  writeFileSync(join(cwd, "media", "uploads", "avatar.txt"), "uploaded before the first deploy\n");

  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 240_000 };
  await berthOk(["up", "-d"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = async (path: string) => {
    const answer = await proxyRequest({ port: httpsPort!, host: HOST, path, tls: { ca } });
    return `${answer.status} ${answer.text.trim()}`;
  };
  assert.equal(await get("/greeting/"), "200 hello from settings_local");

  // A shared file with nothing to seed it: refused before anything runs.
  renameSync(join(cwd, "mysite", "settings_local.py"), join(cwd, "settings_local.py.away"));
  const refused = await berth(["deploy", "--ref", "HEAD"], options);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /mysite\/settings_local\.py would start empty/);
  assert.doesNotMatch(refused.stderr, /release: /, "no step ran");
  renameSync(join(cwd, "settings_local.py.away"), join(cwd, "mysite", "settings_local.py"));

  await berthOk(["deploy", "--ref", "HEAD"], options);
  assert.equal(await get("/greeting/"), "200 hello from settings_local", "the git-ignored settings carried over");
  assert.equal(await get("/media/uploads/avatar.txt"), "200 uploaded before the first deploy", "the uploaded media carried over");
  const releases = await berthJson<{ id: string; status: string }[]>(["releases"], options);
  assert.equal(releases.at(-1)!.status, "live");

  // The working directory's staticfiles/ holds the old CSS (from the `up` above); the edited source is newer.
  writeFileSync(join(cwd, "assets", "site.css"), "body { color: blue }\n");
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(cwd, "assets", "site.css"), later, later);
  assert.match(readFileSync(join(cwd, "staticfiles", "site.css"), "utf8"), /red/);
  await berthOk(["deploy"], options);
  await waitFor(async () => (await get("/static/site.css")) === "200 body { color: blue }", "the edited CSS served by the new release");
  assert.equal(await get("/media/uploads/avatar.txt"), "200 uploaded before the first deploy");
});

test("deploy --skip-build brings build.outputs from the live release; missing outputs fail before anything runs", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-skip-build-");
  const stack = (outputs: string) => `name: skipbuild
build:
  commands: ["mkdir -p frontend/dist && echo built-$$(date +%s%N) > frontend/dist/index.html"]
  outputs: [${outputs}]
services:
  web:
    command: ${process.execPath} ${join(FIXTURES, "apps", "http-app.mjs")}
    health: { http: /, interval: 500ms }
proxy:
  hosts: [skipbuild.test]
  static: { /app/: frontend/dist }
`;
  writeFileSync(join(cwd, "berth.yml"), stack("frontend/dist"));
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 180_000 };
  await berthOk(["deploy"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = async () => (await proxyRequest({ port: httpsPort!, host: "skipbuild.test", path: "/app/index.html", tls: { ca } })).text.trim();
  const built = await get();
  assert.match(built, /^built-\d+$/);

  const skipped = await berthOk(["deploy", "--skip-build"], options);
  assert.match(skipped.stderr, /build skipped: copying frontend\/dist from the live release/);
  assert.equal((await berthJson<unknown[]>(["releases"], options)).length, 2);
  assert.equal(await get(), built, "the new release serves the files the live one built");

  writeFileSync(join(cwd, "berth.yml"), stack("frontend/dist, frontend/stats.json"));
  const missing = await berth(["deploy", "--skip-build"], options);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /--skip-build: frontend\/stats\.json missing from/);
  assert.equal((await berthJson<unknown[]>(["releases"], options)).length, 2, "nothing was recorded");
  assert.equal(await get(), built);
});
