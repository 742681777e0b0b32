import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { berthOk, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { composeUpWithHealthChecks, dockerCompose, removeComposeProject, ensureBaseImage, podman, podmanEnv, startPodmanService, writeContainersConf } from "../helpers/containers.js";
import { SUPERUSER_ENV } from "../helpers/django-backing.js";
import { DEBIAN_PYTHON } from "../helpers/django-project.js";
import { assertSecretsOnlyInSecretFiles, createExportProject } from "../helpers/export-project.js";
import { freePorts, proxyRequest } from "../helpers/proxy-client.js";

// The Django + PostgreSQL + Redis + Celery worker + beat stack, exported to Compose and run for
// real: podman (rootful, runc) behind its Docker-compatible socket, driven by Debian's
// docker-compose 1.29, with images built here from a Debian root filesystem.

const run = promisify(execFile);
// Per test process: two copies of the suite at once must not share containers, volumes or images.
const STACK = `exportdj-${process.pid}`;
const HOST = `${STACK}.test`;

test("a Django + PostgreSQL + Redis + Celery stack exported to Compose runs under podman and keeps its data", { timeout: 1_500_000 }, async (t) => {
  const work = tempDir(t, "berth-export-compose-");
  const env = podmanEnv(writeContainersConf());
  const base = await ensureBaseImage(env);
  const socket = await startPodmanService(t, work, env);
  const composeEnv = { ...podmanEnv(env.CONTAINERS_CONF ?? "", socket) };

  const project = createExportProject(t, STACK, "", "self-signed");
  const home = makeHome(t);
  const output = join(work, "compose");
  const appImage = `localhost/${STACK}-app:test`;
  await berthOk(["export", "compose", "--output", output, "--image", `app=${appImage}`, "--image", `postgres=${base}`, "--image", `redis=${base}`, "--image", `caddy=${base}`], { home, cwd: project });

  assertSecretsOnlyInSecretFiles(output, ["secrets.env", "postgres.env", "redis.env"]);
  await dockerCompose(["config", "-q"], { cwd: output, env: composeEnv });

  await podman(["build", "--from", base, "-f", join(output, "Containerfile"), "-t", appImage, project], env, 600_000);
  t.after(() => podman(["rmi", "-f", appImage], env).catch(() => ""));

  const [httpPort = 0, httpsPort = 0] = await freePorts(2);
  const upEnv = { ...composeEnv, BERTH_PUBLISH_ADDRESS: "127.0.0.1", BERTH_HTTP_PORT: String(httpPort), BERTH_HTTPS_PORT: String(httpsPort) };
  await removeComposeProject(STACK, env);
  t.after(() => removeComposeProject(STACK, env));
  await composeUpWithHealthChecks(STACK, { cwd: output, env: upEnv });

  // Only the proxy publishes a port, and only on 127.0.0.1.
  const published = await podman(["ps", "--filter", `label=com.docker.compose.project=${STACK}`, "--format", "{{.Names}} {{.Ports}}"], env);
  for (const line of published.split("\n").filter(Boolean)) {
    const [name, ...ports] = line.split(" ");
    if (ports.join("").trim() === "") continue;
    assert.match(name ?? "", /proxy/, `only the proxy publishes ports: ${line}`);
    for (const mapping of ports.join(" ").split(",")) assert.match(mapping.trim(), /^127\.0\.0\.1:/, line);
  }

  // tls: self-signed: Caddy's local CA, whose root certificate the test reads from the proxy's volume.
  const proxyContainer = (await podman(["ps", "--filter", `label=com.docker.compose.project=${STACK}`, "--filter", "label=com.docker.compose.service=proxy", "--format", "{{.Names}}"], env)).trim();
  const ca = await waitFor(() => podman(["exec", proxyContainer, "cat", "/data/caddy/pki/authorities/local/root.crt"], env), "Caddy's local CA", 120_000);
  const https = (path: string) => proxyRequest({ port: httpsPort, host: HOST, path, tls: { ca } });
  const login = await waitFor(async () => {
    const answer = await https("/admin/login/");
    return answer.status === 200 ? answer : undefined;
  }, "the admin login page through the exported proxy", 180_000);
  const redirect = await proxyRequest({ port: httpPort, host: HOST, path: "/admin/login/" });
  assert.equal(redirect.status, 308, "plain HTTP redirects to HTTPS");
  const css = /href="(\/static\/admin\/css\/base\.[0-9a-f]+\.css)"/.exec(login.text)?.[1];
  assert.ok(css, "the login page links its hashed stylesheet");
  const stylesheet = await https(css);
  assert.equal(stylesheet.status, 200);
  assert.match(String(stylesheet.headers.server), /Caddy/, "the stylesheet is served by the proxy, not by gunicorn");
  assert.match(stylesheet.text, /body/);

  // The release ran once, in its own one-shot container, and the app containers did not migrate.
  const containers = (await podman(["ps", "-a", "--filter", `label=com.docker.compose.project=${STACK}`, "--format", "{{.Names}}"], env)).split("\n").filter(Boolean);
  const releases = containers.filter((name) => /_release_/.test(name));
  assert.equal(releases.length, 1, `one release container: ${containers.join(", ")}`);
  assert.match(await podman(["logs", releases[0] ?? ""], env), /Applying auth\.0001_initial/);
  assert.equal(containers.filter((name) => /_web_/.test(name)).length, 2, "two web replicas");
  const migrations = await postgresQuery(env, "SELECT count(*) = count(DISTINCT (app, name)) AND count(*) > 0 FROM django_migrations");
  assert.equal(migrations, "t");

  const web = containers.find((name) => /_web_1$/.test(name)) ?? "";
  const task = await podman(["exec", web, DEBIAN_PYTHON, "-c", "from mysite.celery import count_users; print(count_users.delay('task').get(timeout=120))"], env);
  assert.match(task, /task: 0 users, worker worker/);

  await podman(["exec", ...Object.entries(SUPERUSER_ENV).flatMap(([key, value]) => ["--env", `${key}=${value}`]), web, DEBIAN_PYTHON, "manage.py", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.org"], env);
  assert.equal((await https("/users/")).text, "users: 1");

  await dockerCompose(["down", "--timeout", "5"], { cwd: output, env: upEnv });
  await composeUpWithHealthChecks(STACK, { cwd: output, env: upEnv });
  const after = await waitFor(async () => {
    const answer = await https("/users/");
    return answer.status === 200 ? answer : undefined;
  }, "the app after down + up", 180_000);
  assert.equal(after.text, "users: 1", "the database survived down + up");
});

async function postgresQuery(env: NodeJS.ProcessEnv, sql: string): Promise<string> {
  const names = (await podman(["ps", "--filter", `label=com.docker.compose.project=${STACK}`, "--filter", `label=com.docker.compose.service=postgres`, "--format", "{{.Names}}"], env)).split("\n").filter(Boolean);
  const { stdout } = await run("podman", ["exec", names[0] ?? "", "psql", "-h", "/run/postgresql", "-U", STACK, "-d", STACK, "-tAc", sql], { env });
  return stdout.trim();
}
