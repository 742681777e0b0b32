import { join } from "node:path";
import { fixtureDir } from "../config/fixture-dir.js";
import { loadStack } from "../config/load.js";
import type { Stack } from "../config/types.js";
import { collectSecretValues } from "./export-secrets.js";
import type { ExportOptions } from "./types.js";

// For the exporters' unit tests: the Django + PostgreSQL + Redis + Celery stack of the seeds as a
// loaded Stack, and export options with known secret values to look for in the output.

export const DJANGO_STACK_YML = `name: pixel
database: { engine: postgres, version: 15, extensions: [pg_trgm] }
redis: true
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: pixel.example.org
  DJANGO_DEBUG: "0"
backup: { schedule: "30 3 * * *", keep: 4 }
release:
  - python3 manage.py migrate --noinput
  - python3 manage.py collectstatic --noinput
services:
  web:
    command: gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2
    replicas: 2
    health: { http: /accounts/login/, host: pixel.example.org, interval: 2s, timeout: 2s, start_period: 30s }
  worker:
    command: celery -A pixel worker
    depends_on: [web]
    stop_grace: 30s
  beat:
    command: celery -A pixel beat
    restart: on-failure
logs: { max_size: 10MB, keep: 5 }
keep_releases: 4
hooks: { post_deploy: [echo deployed] }
proxy:
  hosts: [pixel.example.org]
  tls: acme
  hsts: 1h
  max_body_size: 20MB
  static: { /static/: staticfiles, /media/: media }
`;

export function loadFixtureStack(yaml = DJANGO_STACK_YML, files: Record<string, string> = {}): Stack {
  const project: Record<string, string> = "package.json" in files ? {} : { "manage.py": "# a Django project\n" };
  const root = fixtureDir({ "berth.yml": yaml, ...project, "staticfiles/.keep": "", "media/.keep": "", ...files }, "berth-export-");
  return loadStack(join(root, "berth.yml"), { env: {} });
}

export function fixtureOptions(stack: Stack, overrides: Partial<ExportOptions> = {}): ExportOptions {
  const secrets = collectSecretValues(stack, { previous: {}, store: {} });
  return { images: {}, secrets, postgres: "external", outputDirectory: join(stack.root, "export"), ...overrides };
}

/** Every non-secret file's content, to check that no secret value leaked into one. */
export function publicContents(files: readonly { content: string; secret?: boolean }[]): string {
  return files.filter((file) => !file.secret).map((file) => file.content).join("\n");
}

/** The Django stack with the keys added for operations: users, jobs, alerts, log limits, proxy extras. */
export const OPERATIONS_STACK_YML = `${DJANGO_STACK_YML.replace("logs: { max_size: 10MB, keep: 5 }", "logs: { max_size: 10MB, keep: 5, every: daily, max_age: 14d, max_total: 500MB, files: [logs/celery.log, { path: logs/django.log, service: web, signal: SIGUSR1 }] }").replace("    command: celery -A pixel beat\n", "    command: celery -A pixel beat\n    user: pixel-beat\n")}user: pixel
jobs:
  clearsessions: { schedule: "0 3 * * *", command: python3 manage.py clearsessions, timezone: Europe/Paris, timeout: 10m }
  send-digest: { schedule: "*/15 * * * *", command: python3 manage.py send_digest, overlap: queue }
alerts: { webhook: "https://hooks.example.org/T000/XXXX", on: [crash-loop, job-failed] }
`.replace("  static: { /static/: staticfiles, /media/: media }\n", `  static: { /static/: staticfiles, /media/: media }
  hold: 3s
  redirects:
    - { from: www.pixel.example.org, to: pixel.example.org }
    - { from: /old-blog/, to: /blog/, status: 308 }
  basic_auth: { user: team, password_secret: STAGING_PASSWORD }
  listen: [8902]
  listen_tls: [8903]
`);
