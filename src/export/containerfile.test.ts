import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderContainerfile } from "./containerfile.js";
import { containerCommand } from "./container-command.js";
import { loadFixtureStack } from "./export-fixture.js";

describe("renderContainerfile", () => {
  it("installs a Django project's requirements in their own layer, runs build steps, and drops root", () => {
    const stack = loadFixtureStack(`name: pixel\nsecrets: [SECRET_KEY]\nbuild: [python3 manage.py compilemessages]\nrelease: [python3 manage.py migrate, python3 manage.py collectstatic --noinput]\nservices:\n  web: { command: "gunicorn pixel.wsgi --bind 127.0.0.1:$PORT" }\n`, { "requirements.txt": "django\n" });
    const text = renderContainerfile(stack);
    const lines = text.split("\n");
    const install = lines.indexOf("RUN pip install --no-cache-dir -r requirements.txt");
    assert.ok(install > lines.indexOf("COPY requirements.txt ./") && install < lines.indexOf("COPY . ."));
    assert.ok(lines.indexOf("RUN python3 manage.py compilemessages") > lines.indexOf("COPY . ."));
    assert.match(text, /^FROM python:/m);
    assert.match(text, /^RUN SECRET_KEY=build-placeholder DATABASE_URL=sqlite:\/\/\/\/tmp\/build\.sqlite3 python3 manage\.py collectstatic --noinput$/m, "static files are collected into the image");
    assert.ok(!text.includes("manage.py migrate"), "migrations run at release, not at build");
    assert.match(text, /^USER 10001$/m);
    assert.match(text, /^ENV PORT=8000$/m);
    assert.match(text, /^CMD \["sh","-c","exec gunicorn pixel\.wsgi --bind 0\.0\.0\.0:\$PORT"\]$/m);
  });

  it("installs a pyproject project with pip", () => {
    const stack = loadFixtureStack(`name: pixel\nservices:\n  web: { command: "gunicorn pixel.wsgi" }\n`, { "pyproject.toml": "[project]\nname='pixel'\n" });
    assert.match(renderContainerfile(stack), /^RUN pip install --no-cache-dir \.$/m);
  });

  it("builds a Node app from package.json with npm ci when it has a lock file", () => {
    const stack = loadFixtureStack(`name: shop\nservices:\n  web: { command: npm start, port: auto }\n`, { "package.json": '{"name":"shop","scripts":{"start":"node server.js"}}', "package-lock.json": "{}" });
    const text = renderContainerfile(stack);
    assert.match(text, /^FROM node:20/m);
    assert.match(text, /^RUN npm ci --omit=dev$/m);
  });
});

describe("containerCommand", () => {
  it("opens loopback binds to the container network and leaves the rest alone", () => {
    assert.equal(containerCommand("gunicorn a.wsgi --bind 127.0.0.1:$PORT"), "exec gunicorn a.wsgi --bind 0.0.0.0:$PORT");
    assert.equal(containerCommand("uvicorn a:app --host 127.0.0.1 --port ${PORT}"), "exec uvicorn a:app --host 0.0.0.0 --port ${PORT}");
    assert.equal(containerCommand("daphne -b localhost -p $PORT a.asgi:app"), "exec daphne -b 0.0.0.0 -p $PORT a.asgi:app");
    assert.equal(containerCommand("celery -A a worker"), "exec celery -A a worker");
    assert.equal(containerCommand("cd sub && npm start"), "cd sub && npm start", "a command list keeps its shell");
  });
});
