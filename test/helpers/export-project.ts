import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { TestContext } from "node:test";
import { addCeleryApp, addUserCountView } from "./django-backing.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "./django-project.js";

// The stack every export test exports: Django + PostgreSQL + Redis + a Celery worker and beat,
// behind berth's proxy with static files, as the seed guides run it.

export function exportStackYaml(name: string, extra = "", tls = "off"): string {
  return `name: ${name}
database: postgres
redis: true
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: localhost,${name}.test
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2
    replicas: 2
    health: { http: /admin/login/, host: ${name}.test, interval: 1s, timeout: 3s, start_period: 60s }
  worker:
    command: ${DEBIAN_PYTHON} -m celery -A mysite worker --loglevel INFO --concurrency 1
  beat:
    command: ${DEBIAN_PYTHON} -m celery -A mysite beat --loglevel INFO --schedule /tmp/celerybeat-schedule
proxy:
  hosts: [${name}.test]
  tls: ${tls}
  static: { /static/: staticfiles }
${extra}`;
}

/** The Django test project with its Celery app, a /users/ page and a berth.yml. */
export function createExportProject(t: TestContext, name: string, extra = "", tls = "off"): string {
  const project = createDjangoProject(t);
  addUserCountView(project);
  addCeleryApp(project);
  writeFileSync(join(project, "berth.yml"), exportStackYaml(name, extra, tls));
  return project;
}

/** Files of an export directory, relative to it. */
export function listFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)));
}

/**
 * The secret files are 0600 and git-ignored, and no other file holds any of their values: the
 * values are read back from the secret files themselves.
 */
export function assertSecretsOnlyInSecretFiles(directory: string, secretFiles: readonly string[]): void {
  const gitignore = readFileSync(join(directory, ".gitignore"), "utf8").split("\n");
  const values: string[] = [];
  for (const file of secretFiles) {
    assert.equal(statSync(join(directory, file)).mode & 0o777, 0o600, `${file} is 0600`);
    assert.ok(gitignore.includes(`/${file}`), `${file} is git-ignored`);
    for (const line of readFileSync(join(directory, file), "utf8").split("\n")) {
      const value = line.slice(line.indexOf("=") + 1);
      if (line.startsWith("#") || !line.includes("=") || value.length < 8) continue;
      values.push(value);
      const password = /^[a-z]+:\/\/[^:/@]*:([^@]+)@/.exec(value)?.[1];
      // Generated passwords are 43 characters; a placeholder such as USER:PASSWORD is not a secret.
      if (password && password.length >= 16) values.push(password);
    }
  }
  assert.ok(values.length > 0, "the secret files hold values");
  for (const file of listFiles(directory).filter((candidate) => !secretFiles.includes(candidate))) {
    const content = readFileSync(join(directory, file), "utf8");
    for (const value of values) assert.ok(!content.includes(value), `${file} holds a secret value`);
  }
}
