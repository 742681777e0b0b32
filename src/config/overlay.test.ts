import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UserError } from "../errors.js";
import { fixtureDir } from "./fixture-dir.js";
import { loadStackWithSecrets } from "./load.js";

const BASE = [
  "name: pixel",
  "env: { DEBUG: 0, ALLOWED_HOSTS: pixel.example.org }",
  "release: [python3 manage.py migrate, python3 manage.py collectstatic --noinput]",
  "services:",
  "  web:",
  "    command: gunicorn pixel.wsgi --bind 127.0.0.1:$PORT",
  "    replicas: 2",
  "    health: { http: /accounts/login/ }",
  "  worker: { command: celery -A pixel worker }",
  "proxy:",
  "  hosts: [pixel.example.org]",
].join("\n");

const DEV = [
  "env: { DEBUG: 1 }",
  "release: [python3 manage.py migrate]",
  "services:",
  "  web:",
  "    command: python3 manage.py runserver 127.0.0.1:$PORT",
  "    replicas: 1",
  "    watch: [pixel]",
  "  worker: null",
  "proxy: null",
].join("\n");

describe("overlays", () => {
  it("merge maps, replace lists and scalars, and remove what is null; -d names the stack apart", () => {
    const root = fixtureDir({ "berth.yml": BASE, "berth.dev.yml": DEV });
    const { stack, files } = loadStackWithSecrets(join(root, "berth.yml"), { env: {}, overlays: [join(root, "berth.dev.yml")], destination: "dev" });
    assert.equal(stack.name, "pixel-dev");
    assert.deepEqual(stack.env, { DEBUG: "1", ALLOWED_HOSTS: "pixel.example.org" });
    assert.deepEqual(stack.release, ["python3 manage.py migrate"]);
    assert.deepEqual(stack.services.map((service) => service.name), ["web"]);
    const [web] = stack.services;
    assert.equal(web!.command, "python3 manage.py runserver 127.0.0.1:$PORT");
    assert.equal(web!.replicas, 1);
    assert.equal(web!.health?.kind, "http", "keys the overlay does not set are kept");
    assert.deepEqual(web!.watch, { paths: [join(root, "pixel")], ignore: [] });
    assert.equal(stack.proxy, null);
    assert.deepEqual(files, [join(root, "berth.yml"), join(root, "berth.dev.yml")]);
  });

  it("an overlay that names the stack keeps its name", () => {
    const root = fixtureDir({ "berth.yml": BASE, "berth.staging.yml": "name: pixel-stage\n" });
    assert.equal(loadStackWithSecrets(join(root, "berth.yml"), { env: {}, overlays: [join(root, "berth.staging.yml")], destination: "staging" }).stack.name, "pixel-stage");
  });

  it("a mistake in the overlay is reported at its line and column in the overlay", () => {
    const root = fixtureDir({ "berth.yml": BASE, "berth.dev.yml": DEV.replace("replicas: 1", "replicas: one").replace("watch: [pixel]", "wacth: [pixel]") });
    try {
      loadStackWithSecrets(join(root, "berth.yml"), { env: {}, overlays: [join(root, "berth.dev.yml")] });
      assert.fail("expected an error");
    } catch (error) {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^berth\.dev\.yml has 2 problems/);
      const where = (error.options.diagnostics ?? []).map((diagnostic) => `${diagnostic.location?.file}:${diagnostic.location?.line}:${diagnostic.location?.column}`);
      assert.deepEqual(where.map((location) => location.replace(/^.*\//, "")), ["berth.dev.yml:6:15", "berth.dev.yml:7:5"]);
    }
  });

  it("several files merge in order", () => {
    const root = fixtureDir({ "berth.yml": BASE, "a.yml": "env: { A: 1, B: 1 }\n", "b.yml": "env: { B: 2 }\n" });
    const { stack } = loadStackWithSecrets(join(root, "berth.yml"), { env: {}, overlays: [join(root, "a.yml"), join(root, "b.yml")] });
    assert.equal(stack.name, "pixel");
    assert.deepEqual(stack.env, { DEBUG: "0", ALLOWED_HOSTS: "pixel.example.org", A: "1", B: "2" });
  });
});
