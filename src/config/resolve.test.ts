import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULTS } from "./defaults.js";
import { startOrder } from "./dependency-order.js";
import { fixtureDir } from "./fixture-dir.js";
import { loadStack } from "./load.js";
import { stackNameFromDirectory, toStackName } from "./resolve.js";
import { durationToMs, sizeToBytes } from "./units.js";

function load(yaml: string, directoryPrefix?: string, files: Record<string, string> = {}) {
  return loadStack(join(fixtureDir({ "berth.yml": yaml, ...files }, directoryPrefix), "berth.yml"), { env: {} });
}

describe("resolveStack", () => {
  it("has the HTTP probe of a service the proxy serves over HTTPS say X-Forwarded-Proto: https, as the proxy does", () => {
    const services = "services:\n  web: { command: x, health: { http: /up } }\n  admin: { command: y, health: { http: /up } }\n  api: { command: z, health: { tcp: true } }\n";
    const routed = (tls: string) => load(`${services}proxy: { hosts: [a.test], routes: { /: web, /api/: api }${tls} }\n`).services;
    const [web, admin, api] = routed("");
    assert.equal(web?.health?.kind === "http" && web.health.forwardedProto, "https");
    assert.equal(admin?.health?.kind === "http" && admin.health.forwardedProto, undefined, "not routed by the proxy");
    assert.equal(api?.health?.kind, "tcp");
    const [plainWeb] = routed(", tls: off");
    assert.equal(plainWeb?.health?.kind === "http" && plainWeb.health.forwardedProto, undefined, "no TLS: requests come as http");
  });

  it("fills every default", () => {
    const stack = load("services:\n  worker: { command: celery -A app worker }\n");
    const [worker] = stack.services;
    assert.match(stack.name, /^berth-config-/);
    assert.deepEqual(stack.database, { engine: "sqlite", file: null });
    assert.deepEqual(stack.release, []);
    assert.deepEqual(stack.secrets, []);
    assert.deepEqual(stack.logs, { maxSizeBytes: 10 * 1024 * 1024, keep: 5, compress: true, maxAgeMs: null, every: null, maxTotalBytes: null, files: [] });
    assert.deepEqual(stack.jobs, []);
    assert.equal(stack.alerts, null);
    assert.deepEqual(worker, {
      name: "worker",
      command: "celery -A app worker",
      cwd: stack.root,
      env: {},
      replicas: DEFAULTS.service.replicas,
      port: { kind: "none" },
      health: null,
      restart: "always",
      stopGraceMs: 10_000,
      dependsOn: [],
      runAs: null,
    });
    assert.equal(stack.user, null);
  });

  it("a service's user: overrides the stack's", () => {
    const stack = load("user: www-data\nservices:\n  web: { command: npm start }\n  worker: { command: celery -A app worker, user: root }\n");
    assert.equal(stack.user, "www-data");
    assert.deepEqual(stack.services.map((service) => service.runAs), ["www-data", "root"]);
  });

  it("fills health defaults and converts units", () => {
    const stack = load(
      [
        "release: python3 manage.py migrate",
        "logs: { max_size: 512KB, keep: 2, compress: false }",
        "services:",
        "  web:",
        "    command: npm start",
        "    cwd: app",
        "    stop_grace: 1m30s",
        "    health: { http: /up, host: example.org }",
      ].join("\n"),
      undefined,
      { "app/manage.py": "" },
    );
    const [web] = stack.services;
    assert.equal(web?.cwd, join(stack.root, "app"));
    assert.equal(web?.stopGraceMs, 90_000);
    assert.deepEqual(web?.port, { kind: "auto" }, "an http probe needs a port");
    assert.deepEqual(web?.health, {
      kind: "http",
      path: "/up",
      status: 200,
      host: "example.org",
      probe: { intervalMs: 5000, timeoutMs: 3000, retries: 3, startPeriodMs: 0 },
    });
    assert.deepEqual(stack.release, ["python3 manage.py migrate"]);
    assert.deepEqual(stack.logs, { maxSizeBytes: 512 * 1024, keep: 2, compress: false, maxAgeMs: null, every: null, maxTotalBytes: null, files: [] });
  });

  it("chooses the port policy", () => {
    const stack = load(
      [
        "services:",
        "  a: { command: 'serve --port $PORT' }",
        "  b: { command: 'serve --port ${PORT}' }",
        "  c: { command: 'serve $PORTABLE' }",
        "  d: { command: serve, port: 8000, replicas: 2 }",
        "  e: { command: serve, port: true }",
        "  f: { command: serve, health: { tcp: true } }",
        "  g: { command: 'serve $PORT', port: false }",
        "  h: { command: serve, health: { command: ./check } }",
      ].join("\n"),
    );
    const ports = Object.fromEntries(stack.services.map((s) => [s.name, s.port]));
    assert.deepEqual(ports, {
      a: { kind: "auto" },
      b: { kind: "auto" },
      c: { kind: "none" },
      d: { kind: "fixed", base: 8000 },
      e: { kind: "auto" },
      f: { kind: "auto" },
      g: { kind: "none" },
      h: { kind: "none" },
    });
  });

  it("accepts `restart: no` and `restart: false`", () => {
    const stack = load("services:\n  a: { command: x, restart: no }\n  b: { command: x, restart: false }\n  c: { command: x, restart: on-failure }\n");
    assert.deepEqual(stack.services.map((s) => s.restart), ["no", "no", "on-failure"]);
  });

  it("orders services after their dependencies", () => {
    const stack = load("services:\n  web: { command: x, depends_on: [db] }\n  db: { command: y }\n");
    assert.deepEqual(startOrder(stack.services).map((s) => s.name), ["db", "web"]);
  });

  it("derives a valid stack name from the directory", () => {
    assert.equal(stackNameFromDirectory("/srv/My App_2"), "my-app-2");
    assert.equal(toStackName("2fast"), "fast");
    assert.equal(toStackName("___"), "stack");
    assert.equal(toStackName("x".repeat(60)).length, 40);
  });
});

describe("units", () => {
  it("converts durations and sizes", () => {
    assert.equal(durationToMs("500ms"), 500);
    assert.equal(durationToMs("2s"), 2000);
    assert.equal(durationToMs("1h"), 3_600_000);
    assert.equal(durationToMs(1.5), 1500);
    assert.equal(sizeToBytes("10MB"), 10 * 1024 * 1024);
    assert.equal(sizeToBytes("1gb"), 1024 ** 3);
    assert.equal(sizeToBytes(300), 300);
  });
});
