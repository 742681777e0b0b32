import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { exportCompose } from "./compose.js";
import { exportStack } from "./index.js";
import { fixtureOptions, loadFixtureStack, publicContents } from "./export-fixture.js";

type ComposeService = Record<string, any>;

describe("exportCompose", () => {
  const stack = loadFixtureStack();
  const options = fixtureOptions(stack);
  const result = exportCompose(stack, options);
  const file = (path: string) => result.files.find((candidate) => candidate.path === path);
  const compose = parse(file("docker-compose.yml")?.content ?? "") as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
  const services = compose.services;

  it("runs the release once, after the servers are healthy, and the app after the release", () => {
    assert.deepEqual(services.release?.depends_on, { postgres: { condition: "service_healthy" }, redis: { condition: "service_healthy" } });
    assert.equal(services.release?.restart, "no");
    assert.equal(services.web?.depends_on.release.condition, "service_completed_successfully");
    assert.equal(services.worker?.depends_on.web.condition, "service_healthy", "depends_on a service with a health check waits for it to be healthy");
    assert.match(services.release?.command[2], /migrate --noinput\n.*collectstatic/);
  });

  it("keeps replicas, restart policies, grace periods and health checks", () => {
    assert.equal(services.web?.deploy.replicas, 2);
    assert.equal(services.beat?.restart, "on-failure");
    assert.equal(services.worker?.stop_grace_period, "30s");
    assert.equal(services.web?.healthcheck.interval, "2s");
    assert.equal(services.web?.healthcheck.start_period, "30s");
    assert.match(services.web?.healthcheck.test[1], /\/accounts\/login\/.*pixel\.example\.org/);
    assert.deepEqual(services.postgres?.healthcheck.test, ["CMD-SHELL", "pg_isready -U pixel -d pixel -h 127.0.0.1"]);
    assert.match(services.redis?.healthcheck.test[1], /redis-cli .*ping/);
  });

  it("keeps $PORT for the shell (doubled for Compose) and opens the loopback bind", () => {
    assert.equal(services.web?.command[2], "exec gunicorn pixel.wsgi --bind 0.0.0.0:$$PORT --workers 2");
    assert.equal(services.web?.environment.PORT, "8000");
    assert.equal(services.worker?.environment.PORT, undefined);
  });

  it("gives the database, Redis and static files named volumes, and the version as the image tag", () => {
    assert.ok(services.postgres?.volumes.includes("postgres-data:/var/lib/postgresql/data"));
    assert.match(services.postgres?.image, /postgres:15$/);
    assert.ok(services.redis?.volumes.includes("redis-data:/data"));
    assert.ok(services.web?.volumes.includes("static-0:/app/staticfiles"));
    assert.ok(services.proxy?.volumes.includes("static-0:/srv/static-0:ro"));
    assert.ok("postgres-data" in compose.volumes && "static-1" in compose.volumes);
    assert.match(file("postgres-init/extensions.sql")?.content ?? "", /CREATE EXTENSION IF NOT EXISTS "pg_trgm"/);
  });

  it("serves static prefixes from the proxy with the berth.yml limits", () => {
    const caddyfile = file("Caddyfile")?.content ?? "";
    assert.match(caddyfile, /^pixel\.example\.org \{/m);
    assert.match(caddyfile, /handle_path \/static\/\* \{\n\t\troot \* \/srv\/static-0\n\t\tfile_server/);
    assert.match(caddyfile, /max_size 20971520/);
    assert.match(caddyfile, /Strict-Transport-Security "max-age=3600"/);
    assert.match(caddyfile, /reverse_proxy web:8000/);
    assert.deepEqual(services.proxy?.ports, ["${BERTH_PUBLISH_ADDRESS:-0.0.0.0}:${BERTH_HTTP_PORT:-80}:80", "${BERTH_PUBLISH_ADDRESS:-0.0.0.0}:${BERTH_HTTPS_PORT:-443}:443"]);
    assert.ok(!("ports" in (services.web ?? {})), "app containers publish no port");
  });

  it("keeps secret values in 0600 env files only", () => {
    for (const name of ["secrets.env", "postgres.env", "redis.env"]) assert.equal(file(name)?.secret, true, name);
    assert.deepEqual(services.web?.env_file, ["secrets.env"]);
    const publicText = publicContents(result.files);
    for (const value of Object.values(options.secrets)) assert.ok(!publicText.includes(value), "a secret value in a public file");
    assert.match(file("secrets.env")?.content ?? "", new RegExp(`^SECRET_KEY=${options.secrets.SECRET_KEY}$`, "m"));
    assert.match(file("secrets.env")?.content ?? "", /^DATABASE_URL=postgres:\/\/pixel:.+@postgres:5432\/pixel$/m);
  });

  it("gives shared directories a volume, and reports a shared file with its line", () => {
    const withShared = loadFixtureStack(`name: pixel\nshared: [media, .env]\nservices:\n  web: { command: "gunicorn pixel.wsgi --bind 127.0.0.1:$PORT" }\n`, { ".env": "A=1\n" });
    const exported = exportStack(withShared, "compose", fixtureOptions(withShared), "berth.yml");
    const document = parse(exported.files.find((candidate) => candidate.path === "docker-compose.yml")?.content ?? "") as { services: Record<string, ComposeService> };
    assert.ok(document.services.web?.volumes.includes("shared-0:/app/media"));
    assert.ok(!document.services.web?.volumes.some((volume: string) => volume.includes(".env")));
    const report = exported.unexpressed.find((item) => item.path.join(".") === "shared.1");
    assert.match(report?.instead ?? "", /\.env is a file/);
    assert.equal(report?.location?.line, 2);
  });

  it("builds the app from a generated Containerfile, or uses --image app=REF", () => {
    assert.equal(services.web?.image, "pixel-app:latest");
    assert.equal(services.web?.build.dockerfile, "export/Containerfile");
    const given = exportCompose(stack, { ...options, images: { app: "registry.local/pixel:7", redis: "registry.local/redis:7" } });
    const other = parse(given.files.find((candidate) => candidate.path === "docker-compose.yml")?.content ?? "") as { services: Record<string, ComposeService> };
    assert.equal(other.services.web?.image, "registry.local/pixel:7");
    assert.equal(other.services.web?.build, undefined);
    assert.equal(other.services.redis?.image, "registry.local/redis:7");
  });
});
