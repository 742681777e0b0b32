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
    });
    assert.equal(detection.kind, "django");
    assert.equal(stack.services[0]?.command, "gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2");
    assert.deepEqual(stack.services[0]?.port, { kind: "auto" });
    assert.equal(stack.services[0]?.health?.kind, "http");
    assert.deepEqual(stack.release, ["python3 manage.py migrate --noinput", "python3 manage.py collectstatic --noinput"]);
    assert.deepEqual(stack.secrets, ["DJANGO_SECRET_KEY"]);
    assert.match(text, /ALLOWED_HOSTS/);
  });

  it("skips collectstatic when settings have no STATIC_ROOT", () => {
    const { stack } = initAndLoad({ "manage.py": MANAGE_PY, "pixel/settings/__init__.py": "DEBUG = True\n" });
    assert.deepEqual(stack.release, ["python3 manage.py migrate --noinput"]);
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
        ["web", "gunicorn app.wsgi --bind 0.0.0.0:${PORT:-5000} --log-file -"],
        ["worker", "celery -A app worker --concurrency ${CONCURRENCY}"],
      ],
    );
    assert.deepEqual(stack.services[0]?.port, { kind: "auto" });
    assert.deepEqual(stack.release, ["python manage.py migrate"]);
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
