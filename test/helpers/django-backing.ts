import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backupOf, getFrom, runOutput, type BackupRow } from "./backing.js";
import { berthOk, waitFor, type BerthOptions } from "./berth-cli.js";
import { DEBIAN_GUNICORN, DEBIAN_PYTHON } from "./django-project.js";

// Additions to the Django test project for backing-service tests: a page that reads the database
// (so "the app serves" means "the app reaches its database"), and a Celery app on REDIS_URL.

const USER_COUNT_VIEW = `

def user_count(request):
    from django.contrib.auth.models import User
    return HttpResponse(f"users: {User.objects.count()}", content_type="text/plain")


urlpatterns += [path("users/", user_count)]
`;

const CELERY_APP = `import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
app = Celery("mysite", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
app.conf.broker_connection_retry_on_startup = True


@app.task
def count_users(label):
    import django

    django.setup()
    from django.contrib.auth.models import User

    return f"{label}: {User.objects.count()} users, worker {os.environ.get('BERTH_SERVICE')}"
`;

/** Adds /users/, which answers "users: N" from the database. Call after createDjangoProject. */
export function addUserCountView(projectDir: string, projectName = "mysite"): void {
  appendFileSync(join(projectDir, projectName, "urls.py"), USER_COUNT_VIEW);
}

/** Adds mysite/celery.py: a Celery app whose broker and result backend are REDIS_URL, with a task that reads the database. */
export function addCeleryApp(projectDir: string, projectName = "mysite"): void {
  writeFileSync(join(projectDir, projectName, "celery.py"), CELERY_APP);
}

/** berth.yml for the Django test project on the given database: migrate and collectstatic (the settings use hashed static names) as release tasks, gunicorn with an http check. */
export function djangoStackYaml(name: string, database: string, extra = ""): string {
  return `name: ${name}
database: ${database}
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: localhost,${name}.test
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2
    health: { http: /admin/login/, host: ${name}.test, interval: 1s, timeout: 3s, start_period: 30s }
${extra}`;
}

export const CREATE_SUPERUSER = [DEBIAN_PYTHON, "manage.py", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.org"];
export const SUPERUSER_ENV = { DJANGO_SUPERUSER_PASSWORD: "correct horse battery staple" };
export const DELETE_ADMIN = [DEBIAN_PYTHON, "manage.py", "shell", "-c", "from django.contrib.auth.models import User; print('deleted', User.objects.filter(username='admin').delete()[0])"];
export const COUNT_ADMINS = [DEBIAN_PYTHON, "manage.py", "shell", "-c", "from django.contrib.auth.models import User; print('admins:', User.objects.filter(username='admin').count())"];

/**
 * The acceptance flow on any engine: createsuperuser with `berth run`, `berth backup`, delete the
 * user, `berth restore`, the user is back, and the app serves it.
 */
export async function checkBackupRestoreRoundTrip(options: BerthOptions, engine: string, host: string): Promise<BackupRow> {
  await berthOk(["run", ...CREATE_SUPERUSER], { ...options, env: SUPERUSER_ENV });
  assert.equal(await getFrom(options, "web", "/users/", host), "users: 1");
  const backup = await backupOf(options, engine);
  assert.ok(backup.sizeBytes > 0);
  assert.match(await runOutput(DELETE_ADMIN, options), /deleted 1/);
  assert.match(await runOutput(COUNT_ADMINS, options), /admins: 0/);
  const restored = await berthOk(["restore", backup.name], options);
  assert.match(restored.stdout, new RegExp(`restored ${backup.name.replace(/\./g, "\\.")}`));
  assert.match(await runOutput(COUNT_ADMINS, options), /admins: 1/);
  assert.equal(await waitFor(() => getFrom(options, "web", "/users/", host).catch(() => undefined), "the app after the restore"), "users: 1");
  return backup;
}
