import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixtureDir } from "../config/fixture-dir.js";
import { loadStack } from "../config/load.js";
import type { Stack } from "../config/types.js";
import { describePlan, planChange, type PlanOptions } from "./plan.js";

const BASE = `name: shop
database: postgres
redis: true
env: { MODE: prod }
release: [python3 manage.py migrate]
services:
  web:
    command: gunicorn shop.wsgi --bind 127.0.0.1:$PORT
    replicas: 2
    health: { http: /health/ }
  worker:
    command: celery -A shop worker
    depends_on: [web]
  beat:
    command: celery -A shop beat
proxy:
  hosts: [shop.test]
`;

/** Loads each variant from the same directory, as `up` after an edit of berth.yml does. */
function stacks(...variants: string[]): Stack[] {
  const dir = fixtureDir({});
  return variants.map((yaml) => {
    writeFileSync(join(dir, "berth.yml"), yaml);
    return loadStack(join(dir, "berth.yml"), { env: {} });
  });
}

const UP: PlanOptions = { restartAll: false, noRestart: [], runReleaseTasks: true, scale: {} };
const DEPLOY: PlanOptions = { ...UP, restartAll: true };

function kinds(plan: ReturnType<typeof planChange>): Record<string, string> {
  return Object.fromEntries(plan.services.map((action) => [action.service, action.kind]));
}

describe("planChange", () => {
  it("starts everything, dependencies first, when nothing runs", () => {
    const [next] = stacks(BASE);
    const plan = planChange(null, next!, UP);
    const order = plan.services.map((action) => action.service);
    assert.deepEqual([...order].sort(), ["beat", "web", "worker"]);
    assert.ok(order.indexOf("web") < order.indexOf("worker"), "worker depends on web");
    assert.ok(plan.services.every((action) => action.kind === "add"));
    assert.equal(plan.restartBacking, true);
    assert.equal(plan.runReleaseTasks, true);
  });

  it("finds nothing to do for the same file", () => {
    const [running, next] = stacks(BASE, BASE);
    const plan = planChange(running!, next!, UP);
    assert.equal(plan.unchanged, true);
    assert.deepEqual(describePlan(plan), []);
  });

  it("replaces only the service whose env changed, side by side when it is routed; the database stays", () => {
    const edited = BASE.replace("replicas: 2", "replicas: 2\n    env: { FEATURE: on }");
    const [running, next] = stacks(BASE, edited);
    const plan = planChange(running!, next!, UP);
    assert.equal(plan.unchanged, false);
    assert.deepEqual(kinds(plan), { web: "replace", worker: "keep", beat: "keep" });
    assert.equal(plan.restartBacking, false);
    assert.equal(plan.runReleaseTasks, false, "the code and the tasks did not change");
    assert.match(describePlan(plan).join("\n"), /web: new replicas beside the old.*env changed \(FEATURE\)/);
  });

  it("restarts an unrouted service in place (a singleton never runs twice)", () => {
    const [running, next] = stacks(BASE, BASE.replace("celery -A shop beat", "celery -A shop beat -l debug"));
    assert.deepEqual(kinds(planChange(running!, next!, UP)), { web: "keep", worker: "keep", beat: "restart" });
  });

  it("a stack-wide env change restarts every service but not the database", () => {
    const [running, next] = stacks(BASE, BASE.replace("MODE: prod", "MODE: staging"));
    const plan = planChange(running!, next!, UP);
    assert.deepEqual(kinds(plan), { web: "replace", worker: "restart", beat: "restart" });
    assert.equal(plan.restartBacking, false);
  });

  it("a database settings change restarts the servers and every service", () => {
    const [running, next] = stacks(BASE, BASE.replace("redis: true", "redis: false"));
    const plan = planChange(running!, next!, UP);
    assert.equal(plan.restartBacking, true);
    assert.deepEqual(kinds(plan), { web: "replace", worker: "restart", beat: "restart" });
  });

  it("a replica count change scales in place; a scale override is not undone by an unchanged file", () => {
    const [running, next] = stacks(BASE, BASE.replace("replicas: 2", "replicas: 3"));
    const plan = planChange(running!, next!, UP);
    assert.equal(plan.unchanged, false);
    assert.deepEqual(plan.services.find((action) => action.service === "web"), { kind: "keep", service: "web", replicas: 3 });
    const [same, again] = stacks(BASE, BASE);
    const scaled = planChange(same!, again!, { ...UP, scale: { worker: 2 } });
    assert.equal(scaled.unchanged, true);
    assert.ok(scaled.services.every((action) => action.kind === "keep"));
  });

  it("adds and removes services, removals last", () => {
    const [running, next] = stacks(BASE, BASE.replace(/ {2}beat:\n.*\n/, "  mailer:\n    command: python3 mailer.py\n"));
    const plan = planChange(running!, next!, UP);
    assert.deepEqual(plan.services.at(-1), { kind: "remove", service: "beat" });
    assert.equal(kinds(plan).mailer, "add");
  });

  it("a deploy replaces every service but those left running, and runs the release tasks", () => {
    const [running, next] = stacks(BASE, BASE);
    const plan = planChange(running!, next!, { ...DEPLOY, noRestart: ["worker"] });
    assert.deepEqual(kinds(plan), { web: "replace", worker: "keep", beat: "restart" });
    assert.equal(plan.runReleaseTasks, true);
    assert.equal(planChange(running!, next!, { ...DEPLOY, runReleaseTasks: false }).runReleaseTasks, false, "a rollback runs no task");
  });

  it("a proxy-only change touches no process", () => {
    const [running, next] = stacks(BASE, BASE.replace("[shop.test]", "[shop.test, www.shop.test]"));
    const plan = planChange(running!, next!, UP);
    assert.equal(plan.updateProxy, true);
    assert.ok(plan.services.every((action) => action.kind === "keep"));
  });
});
