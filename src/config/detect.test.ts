import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { detectProject } from "./detect.js";
import { fixtureDir } from "./fixture-dir.js";
import { loadStack } from "./load.js";
import { renderBerthYml } from "./render-berth-yml.js";

/** Detects, renders berth.yml into the project, and loads it back. */
function initAndLoad(files: Record<string, string>, prefix?: string) {
  const root = fixtureDir(files, prefix);
  const detection = detectProject(root);
  const text = renderBerthYml(detection);
  writeFileSync(join(root, "berth.yml"), text);
  return { detection, text, stack: loadStack(join(root, "berth.yml"), { env: {} }) };
}

const MANAGE_PY = `#!/usr/bin/env python
import os, sys
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixel.settings")
`;

describe("detectProject + renderBerthYml", () => {
  it("detects a Django project and writes a berth.yml that loads", () => {
    const { detection, text, stack } = initAndLoad({
      "manage.py": MANAGE_PY,
      "pixel/settings.py": 'import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nSTATIC_ROOT = BASE_DIR / "static"\n',
      "pixel/wsgi.py": "",
      "pixel/urls.py": "urlpatterns = [path(\"admin/\", admin.site.urls)]\n",
    });
    assert.equal(detection.kind, "django");
    assert.equal(stack.services[0]?.command, "gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2");
    assert.deepEqual(stack.services[0]?.port, { kind: "auto" });
    assert.equal(stack.services[0]?.health?.kind, "http");
    assert.deepEqual(stack.release, ["python3 manage.py migrate --noinput", "python3 manage.py collectstatic --noinput"]);
    assert.deepEqual(stack.secrets, ["DJANGO_SECRET_KEY"]);
    assert.match(text, /health:\n\s+http: \/admin\/login\//);
    assert.deepEqual(stack.proxy?.hosts, ["localhost"]);
    assert.deepEqual(stack.proxy?.static.map((mount) => mount.prefix), ["/static/"]);
  });

  it("skips collectstatic when settings have no STATIC_ROOT, and says why the CSS would be missing", () => {
    const { stack } = initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings/__init__.py": "DEBUG = True\n" });
    assert.deepEqual(stack.release, ["python3 manage.py migrate --noinput"]);
    const withStaticFiles = initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings.py": "INSTALLED_APPS = ['django.contrib.admin', 'django.contrib.staticfiles']\n" });
    assert.match(withStaticFiles.detection.warnings.join("\n"), /sets no STATIC_ROOT: .*STATIC_ROOT = BASE_DIR \/ "staticfiles"/);
    assert.match(withStaticFiles.text, /# WARNING: settings\.py sets no STATIC_ROOT/);
    const absolute = initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings.py": "INSTALLED_APPS = ['django.contrib.staticfiles']\nSTATIC_ROOT = '/var/www/static'\n" });
    assert.match(absolute.detection.warnings.join("\n"), /sets STATIC_ROOT outside the project/);
    assert.doesNotMatch(absolute.detection.warnings.join("\n"), /sets no STATIC_ROOT/);
  });

  it("runs a Django project's commands with its virtualenv's python, and a Procfile's Python commands too", () => {
    const venv = { ".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/bin/python": "" };
    const { stack, text } = initAndLoad({ ...venv, "manage.py": MANAGE_PY, "pixel/settings.py": 'STATIC_ROOT = BASE_DIR / "static"\n', "pixel/celery.py": "app = Celery('pixel')\n" });
    assert.deepEqual(stack.release, [".venv/bin/python manage.py migrate --noinput", ".venv/bin/python manage.py collectstatic --noinput"]);
    assert.deepEqual(stack.services.map((service) => service.command), [
      ".venv/bin/python -m gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2",
      ".venv/bin/python -m celery -A pixel worker --loglevel info",
      ".venv/bin/python -m celery -A pixel beat --loglevel info",
    ]);
    assert.match(text, /# build: \["python3 -m venv \.venv", "\.venv\/bin\/pip install -r requirements\.txt"\]/);
    const procfile = initAndLoad({ ...venv, Procfile: "web: gunicorn pixel.wsgi --bind 0.0.0.0:$PORT\nworker: celery -A pixel worker\nrelease: python manage.py migrate\nclock: ./clock.sh\n" });
    assert.deepEqual(procfile.stack.services.map((service) => service.command), [".venv/bin/python -m gunicorn pixel.wsgi --bind 127.0.0.1:$PORT", ".venv/bin/python -m celery -A pixel worker", "./clock.sh"]);
    assert.deepEqual(procfile.stack.release, [".venv/bin/python manage.py migrate"]);
    const withoutVirtualenv = initAndLoad({ "venv/bin/python": "", "manage.py": MANAGE_PY, "pixel/settings.py": "" });
    assert.equal(withoutVirtualenv.stack.services[0]?.command, "gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2", "a directory without pyvenv.cfg is not a virtualenv");
  });

  it("runs the database the settings use, and maps the variables their DATABASES reads to berth's", () => {
    const postgresSettings = [
      "import os",
      "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}",
      "DATABASES = {",
      '    "default": {',
      '        "ENGINE": "django.db.backends.postgresql",',
      '        "NAME": os.environ.get("POSTGRES_DB", "app"),',
      '        "USER": os.getenv("POSTGRES_USER"),',
      '        "PASSWORD": os.environ["POSTGRES_PASSWORD"],',
      '        "HOST": env("DB_HOST", default="localhost"),',
      '        "PORT": int(os.environ.get("DB_PORT", "5432")),',
      "    }",
      "}",
      'CACHES = {"default": {"LOCATION": os.environ.get("CACHE_HOST")}}',
    ].join("\n");
    const postgres = initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings.py": postgresSettings });
    assert.equal(postgres.stack.database.engine, "postgres");
    assert.deepEqual(
      Object.fromEntries(["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "DB_HOST", "DB_PORT", "CACHE_HOST"].map((name) => [name, postgres.detection.env[name]])),
      { POSTGRES_DB: "${PGDATABASE}", POSTGRES_USER: "${PGUSER}", POSTGRES_PASSWORD: "${PGPASSWORD}", DB_HOST: "${PGHOST}", DB_PORT: "${PGPORT}", CACHE_HOST: undefined },
    );
    assert.match(postgres.text, /# settings\.py reads its database from POSTGRES_DB, POSTGRES_USER, POSTGRES_PASSWORD, DB_HOST, DB_PORT/);
    assert.doesNotMatch(postgres.text, /does not read DATABASE_URL/);

    const fromRequirements = initAndLoad({ "manage.py": MANAGE_PY, "requirements.txt": "Django>=4.2\nmysqlclient==2.2\n", "pixel/settings.py": 'import dj_database_url\nDATABASES = {"default": dj_database_url.config(conn_max_age=60)}\n' });
    assert.equal(fromRequirements.stack.database.engine, "mariadb");
    const requirementsFolder = initAndLoad({ "manage.py": MANAGE_PY, "requirements/base.txt": "django\n", "requirements/production.txt": "-r base.txt\npsycopg[binary]==3.1\n", "pixel/settings.py": "" });
    assert.equal(requirementsFolder.stack.database.engine, "postgres", "requirements/production.txt");
    const pyproject = initAndLoad({ "manage.py": MANAGE_PY, "pyproject.toml": '[project]\ndependencies = [\n  "django>=5",\n  "PyMySQL>=1.1",\n]\n', "pixel/settings.py": "" });
    assert.equal(pyproject.stack.database.engine, "mariadb", "a quoted dependency in pyproject.toml");
    assert.doesNotMatch(fromRequirements.text, /does not read DATABASE_URL/, "dj_database_url.config() reads DATABASE_URL");
    const plain = initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n" });
    assert.equal(plain.stack.database.engine, "sqlite");
    assert.match(plain.text, /does not read DATABASE_URL/);
  });

  it("sets the variable ALLOWED_HOSTS is read from to the hosts it serves, unless the project's .env does", () => {
    const load = (settings: string, extra: Record<string, string> = {}) => initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings.py": settings, ...extra }).detection.env;
    assert.deepEqual(load('ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")\n'), { DJANGO_ALLOWED_HOSTS: "localhost" });
    assert.deepEqual(load('ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "app.example.org,.example.net").split(",")\n'), {
      DJANGO_ALLOWED_HOSTS: "app.example.org,example.net,.example.net,localhost",
    });
    assert.deepEqual(load('ALLOWED_HOSTS = os.getenv("HOSTS", "").split()\n'), { HOSTS: "localhost" });
    assert.deepEqual(load("ALLOWED_HOSTS = config('ALLOWED_HOSTS', cast=Csv())\n"), { ALLOWED_HOSTS: "localhost" });
    assert.deepEqual(load('ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")\n', { ".env": "DEBUG=0\nDJANGO_ALLOWED_HOSTS=shop.example.org\n" }), {});
    assert.deepEqual(load("ALLOWED_HOSTS = ['pixel.example.org']\n"), {});
  });

  it("warns about variables the settings need and nothing provides", () => {
    const settings = [
      "import environ, os",
      "env = environ.Env(DEBUG=(bool, False))",
      'SECRET_KEY = env("DJANGO_SECRET_KEY")',
      'DEBUG = env("DEBUG")',
      'ADMIN_URL = env("DJANGO_ADMIN_URL")',
      'SENTRY_DSN = os.environ["SENTRY_DSN"]',
      'EMAIL_HOST = env("EMAIL_HOST", default="localhost")',
      "TIMEOUT = config('TIMEOUT', '30')",
      'MAILGUN_KEY = config("MAILGUN_API_KEY", cast=str)',
      'ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")',
      'DATABASES = {"default": env.db("DATABASE_URL")}',
      'REDIS = env("REDIS_URL")',
    ].join("\n");
    const { detection, text } = initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings.py": settings, ".env": "SENTRY_DSN=https://x\n" });
    const warning = detection.warnings.find((each) => each.includes("with no default"));
    assert.match(warning ?? "", /^settings\.py needs DJANGO_ADMIN_URL, MAILGUN_API_KEY, with no default/);
    assert.match(text, /# WARNING: settings\.py needs DJANGO_ADMIN_URL/);
  });

  it("reads the settings the server runs, with what they import, and runs release tasks with them", () => {
    const { detection, stack } = initAndLoad({
      "manage.py": MANAGE_PY.replace("pixel.settings", "config.settings.local"),
      "config/wsgi.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")\n',
      "config/settings/__init__.py": "",
      "config/settings/base.py": 'import environ\nenv = environ.Env()\nSTATIC_ROOT = str(BASE_DIR / "staticfiles")\nCELERY_BROKER_URL = env("CELERY_BROKER_URL")\n',
      "config/settings/local.py": "from .base import *  # noqa\nDEBUG = True\n",
      "config/settings/production.py": 'from .base import *  # noqa\nSECRET_KEY = env("DJANGO_SECRET_KEY")\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n',
    });
    assert.equal(detection.env.DJANGO_SETTINGS_MODULE, "config.settings.production");
    assert.deepEqual(detection.warnings, [], "local.py's DEBUG = True is not what the server runs");
    assert.deepEqual(detection.secrets, ["DJANGO_SECRET_KEY"]);
    assert.deepEqual(stack.release, ["python3 manage.py migrate --noinput", "python3 manage.py collectstatic --noinput"], "STATIC_ROOT from the imported base.py");
    assert.equal(stack.services[0]?.command, "gunicorn config.wsgi --bind 127.0.0.1:$PORT --workers 2");
    assert.equal(stack.redis, true, "the settings read CELERY_BROKER_URL");
    assert.equal(detection.env.CELERY_BROKER_URL, "${REDIS_URL}");
  });

  it("finds a Django project one folder down and runs every command there", () => {
    const { detection, stack } = initAndLoad({
      "package.json": JSON.stringify({ name: "frontend-tooling", scripts: { build: "vite build" } }),
      ".venv/pyvenv.cfg": "home = /usr/bin\n",
      ".venv/bin/python": "",
      "backend/manage.py": MANAGE_PY,
      "backend/pixel/settings.py": 'STATIC_ROOT = BASE_DIR / "staticfiles"\nMEDIA_ROOT = BASE_DIR / "media"\n',
      "backend/pixel/urls.py": "urlpatterns = [path('admin/', admin.site.urls)]\n",
      "backend/staticfiles/.keep": "",
      "docs/manage.py": "",
    });
    assert.equal(detection.kind, "django");
    assert.match(detection.summary, /\(backend\/manage\.py\)/);
    assert.deepEqual(stack.release, ["cd backend && ../.venv/bin/python manage.py migrate --noinput", "cd backend && ../.venv/bin/python manage.py collectstatic --noinput"]);
    assert.equal(stack.services[0]?.command, "cd backend && exec ../.venv/bin/python -m gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2");
    assert.deepEqual(stack.proxy?.static.map((mount) => [mount.prefix, mount.directory.replace(/^.*\/(backend\/)/, "$1")]), [["/static/", "backend/staticfiles"], ["/media/", "backend/media"]]);
    assert.deepEqual(stack.shared, ["backend/media"]);
    const two = detectProject(fixtureDir({ "a/manage.py": MANAGE_PY, "b/manage.py": MANAGE_PY }));
    assert.equal(two.kind, "generic", "two projects: berth does not guess");
  });

  it("detects a Node app: npm start, or node <main>", () => {
    const withStart = initAndLoad({ "package.json": JSON.stringify({ name: "@acme/shop", scripts: { start: "node server.js" } }) });
    assert.equal(withStart.detection.kind, "node");
    assert.equal(withStart.stack.name, "shop");
    assert.equal(withStart.stack.services[0]?.command, "npm start");
    assert.deepEqual(withStart.stack.services[0]?.port, { kind: "auto" });
    const withMain = initAndLoad({ "package.json": JSON.stringify({ main: "app/main.js" }) });
    assert.equal(withMain.stack.services[0]?.command, "node app/main.js");
  });

  it("turns each Procfile entry into a service and release: into release tasks", () => {
    const { detection, stack } = initAndLoad({
      Procfile: [
        "web: gunicorn app.wsgi --bind 0.0.0.0:${PORT:-5000} --log-file -",
        "worker: celery -A app worker --concurrency ${CONCURRENCY}",
        "release: python manage.py migrate",
        "# comment",
        "",
      ].join("\n"),
    });
    assert.equal(detection.kind, "procfile");
    assert.deepEqual(
      stack.services.map((s) => [s.name, s.command]),
      [
        ["web", "gunicorn app.wsgi --bind 127.0.0.1:${PORT:-5000} --log-file -"],
        ["worker", "celery -A app worker --concurrency ${CONCURRENCY}"],
      ],
    );
    assert.deepEqual(stack.services[0]?.port, { kind: "auto" });
    assert.equal(stack.services[0]?.health?.kind, "http", "the web process gets a health check");
    assert.equal(stack.services[1]?.health, null);
    assert.deepEqual(stack.release, ["python manage.py migrate"]);
    assert.notEqual(stack.proxy, null);
  });

  it("reads a Django project's hosts, static and media, Celery, and warns about DEBUG and ALLOWED_HOSTS", () => {
    const { detection, text, stack } = initAndLoad({
      "manage.py": MANAGE_PY,
      "pixel/settings.py": [
        "DEBUG = True",
        "ALLOWED_HOSTS = ['pixel.example.org', '.example.net', '*', '127.0.0.1']",
        "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')",
        "INSTALLED_APPS = ['django.contrib.admin', 'whitenoise.runserver_nostatic']",
        "STATIC_URL = 'assets/'",
        "STATIC_ROOT = BASE_DIR / 'staticfiles'",
        "MEDIA_URL = '/uploads/'",
        "MEDIA_ROOT = os.path.join(BASE_DIR, 'media')",
      ].join("\n"),
      "pixel/wsgi.py": "",
      "pixel/celery.py": "from celery import Celery\napp = Celery('pixel')\n",
      "pixel/urls.py": "urlpatterns = [path('admin/', admin.site.urls)]\n",
    });
    assert.deepEqual(stack.proxy?.hosts, ["pixel.example.org", "example.net", "*.example.net"]);
    assert.deepEqual(
      stack.proxy?.static.map((mount) => [mount.prefix, mount.directory.replace(/^.*\//, "")]),
      [["/assets/", "staticfiles"], ["/uploads/", "media"]],
    );
    assert.deepEqual(stack.services.map((service) => [service.name, service.command]), [
      ["web", "gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2"],
      ["worker", "python3 -m celery -A pixel worker --loglevel info"],
      ["beat", "python3 -m celery -A pixel beat --loglevel info"],
    ]);
    assert.equal(stack.services[0]?.health?.kind === "http" && stack.services[0].health.host, "pixel.example.org");
    assert.equal(stack.redis, true);
    assert.equal(stack.env.CELERY_BROKER_URL, "${REDIS_URL}", "resolved per process, at start");
    assert.deepEqual(stack.shared, ["media"]);
    assert.equal(detection.warnings.length, 1);
    assert.match(detection.warnings[0]!, /DEBUG = True/);
    assert.match(text, /# WARNING: settings\.py has DEBUG = True/);
    assert.match(text, /WhiteNoise/);
  });

  it("serves a Channels project with daphne (or uvicorn), and warns about an empty ALLOWED_HOSTS", () => {
    const files = {
      "manage.py": MANAGE_PY,
      "pixel/settings.py": "ALLOWED_HOSTS = []\nINSTALLED_APPS = ['daphne', 'channels']\nCHANNEL_LAYERS = {'default': {'BACKEND': 'channels_redis.core.RedisChannelLayer'}}\n",
      "pixel/asgi.py": "application = ProtocolTypeRouter({})\n",
    };
    const { detection, stack } = initAndLoad(files);
    assert.equal(stack.services[0]?.command, "daphne -b 127.0.0.1 -p $PORT pixel.asgi:application");
    assert.equal(stack.services[0]?.health?.kind, "tcp", "no page known to answer without a login");
    assert.equal(stack.redis, true);
    assert.deepEqual(stack.proxy?.hosts, ["localhost"]);
    assert.match(detection.warnings.join("\n"), /ALLOWED_HOSTS = \[\]/);
    assert.match(detection.warnings.join("\n"), /does not set SECURE_PROXY_SSL_HEADER: .*Origin checking failed.*add SECURE_PROXY_SSL_HEADER = \("HTTP_X_FORWARDED_PROTO", "https"\)/);
    const uvicorn = initAndLoad({ ...files, "pixel/settings.py": "INSTALLED_APPS = ['channels']\n" });
    assert.equal(uvicorn.stack.services[0]?.command, "uvicorn pixel.asgi:application --host 127.0.0.1 --port $PORT");
  });

  it("mounts an Express app's prefixed static directory", () => {
    const { stack } = initAndLoad({
      "package.json": JSON.stringify({ name: "shop", main: "server.js", dependencies: { express: "^4" } }),
      "server.js": "app.use('/assets', express.static(path.join(__dirname, 'public')));\napp.use(express.static('root-files'));\n",
      "public/app.css": "body {}",
    });
    assert.deepEqual(stack.proxy?.static.map((mount) => mount.prefix), ["/assets/"]);
    assert.equal(stack.services[0]?.health?.kind, "http");
  });

  it("does not take a .env directory for an env file", () => {
    const { text } = initAndLoad({ ".env/.dev-sample": "X=1\n", "package.json": "{}" });
    assert.match(text, /^# env_file: \.env$/m);
  });

  it("falls back to a commented template that loads", () => {
    const { detection, text, stack } = initAndLoad({ "README.md": "hi" }, "My Project-");
    assert.equal(detection.kind, "generic");
    assert.match(stack.name, /^my-project-/);
    assert.equal(stack.services.length, 1);
    assert.match(text, /# logs:/);
  });

  it("uses .env as env_file when there is one", () => {
    const { stack } = initAndLoad({ ".env": "GREETING=hello\n", "package.json": "{}" });
    assert.equal(stack.env.GREETING, "hello");
  });
});
