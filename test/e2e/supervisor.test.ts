import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, FIXTURES, httpGet, makeHome, processesOfStack, waitFor, type PsRow, tempDir } from "../helpers/berth-cli.js";

const HTTP_APP = join(FIXTURES, "apps", "http-app.mjs");

function writeStack(t: TestContext, yaml: string): string {
  const dir = tempDir(t, "berth-stack-");
  writeFileSync(join(dir, "berth.yml"), yaml);
  return dir;
}

function nodeService(extra = ""): string {
  return `    command: ${process.execPath} ${HTTP_APP}\n${extra}`;
}

async function readyRows(home: string, cwd: string, count: number): Promise<PsRow[]> {
  return waitFor(async () => {
    const rows = await berthJson<PsRow[]>(["ps"], { home, cwd });
    return rows.length === count && rows.every((row) => row.status === "running" && row.health !== "starting") ? rows : undefined;
  }, `${count} running replicas`);
}

test("a replica killed with SIGKILL serves again and its restart is counted", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(t, `name: killtest\nservices:\n  web:\n${nodeService("    replicas: 2\n    health: { http: /health, interval: 1s }\n")}`);
  await berthOk(["up", "-d"], { home, cwd });
  const [first] = await readyRows(home, cwd, 2);
  assert.ok(first?.pid && first.port);
  assert.match((await httpGet(first.port, "/")).body, /^ok pid=/);

  process.kill(first.pid, "SIGKILL");
  const answer = await waitFor(async () => {
    const reply = await httpGet(first.port!, "/").catch(() => undefined);
    return reply && !reply.body.includes(`pid=${first.pid} `) ? reply : undefined;
  }, "the killed replica to serve again");
  assert.equal(answer.status, 200);
  const rows = await berthJson<PsRow[]>(["ps"], { home, cwd });
  const restarted = rows.find((row) => row.replica === first.replica);
  assert.equal(restarted?.restarts, 1);
  assert.notEqual(restarted?.pid, first.pid);
  const events = await berthJson<{ kind: string; service?: string; replica?: number; message: string }[]>(["events"], { home, cwd });
  const crash = events.find((event) => event.kind === "crash");
  assert.equal(crash?.service, "web");
  assert.equal(crash?.replica, first.replica);
  assert.match(crash?.message ?? "", /SIGKILL/);
  await berthOk(["down"], { home, cwd });
});

test("a command that exits at once backs off and shows crash-loop, without giving up", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(t, `name: crashtest\nservices:\n  broken:\n    command: sh -c 'echo starting; exit 3'\n`);
  // Waiting for ready would exit 3 (tested in control-plane.test.ts); here the crash loop itself is looked at.
  await berthOk(["up", "-d", "--no-wait"], { home, cwd });
  const row = await waitFor(async () => {
    const [broken] = await berthJson<PsRow[]>(["ps"], { home, cwd });
    return broken?.status === "crash-loop" ? broken : undefined;
  }, "crash-loop state");
  assert.ok(row.restarts >= 3, `restarts: ${row.restarts}`);
  const table = (await berthOk(["ps"], { home, cwd })).stdout;
  assert.match(table, /broken\s+0\s+(\d+|-)\s+crash-loop/, "a pid while a respawned process runs, - between runs");
  const logs = (await berthOk(["logs", "broken", "-n", "50"], { home, cwd })).stdout;
  assert.match(logs, /starting/);
  assert.match(logs, /restarting in \d+ ms/);
  const events = await berthJson<{ kind: string }[]>(["events"], { home, cwd });
  assert.equal(events.filter((event) => event.kind === "crash-loop").length, 1, "one crash-loop event per loop, not one per exit");
  await berthOk(["down"], { home, cwd });
});

test("a replica whose http health check starts failing is restarted (autoheal)", async (t) => {
  const home = makeHome(t);
  const flag = join(tempDir(t, "berth-flag-"), "unhealthy");
  const cwd = writeStack(t, 
    `name: healtest\nservices:\n  web:\n${nodeService(`    env: { UNHEALTHY_WHEN_EXISTS: ${flag} }\n    health: { http: /health, interval: 200ms, timeout: 1s, retries: 2 }\n`)}`,
  );
  await berthOk(["up", "-d"], { home, cwd });
  const [before] = await readyRows(home, cwd, 1);
  assert.equal(before?.health, "healthy");
  writeFileSync(flag, "");
  const healed = await waitFor(async () => {
    const [row] = await berthJson<PsRow[]>(["ps"], { home, cwd });
    return row && row.restarts >= 1 ? row : undefined;
  }, "the unhealthy replica to be restarted");
  assert.notEqual(healed.pid, before?.pid);
  const logs = (await berthOk(["logs", "web", "-n", "200"], { home, cwd })).stdout;
  assert.match(logs, /health unhealthy: GET \/health answered 500/);
  await berthOk(["down"], { home, cwd });
  assert.ok(existsSync(flag));
});

test("down leaves no process of the stack alive, even children a replica forked", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(t, 
    `name: orphantest\nservices:\n  web:\n${nodeService("    replicas: 2\n    env: { FORK_CHILD: '1' }\n    health: { tcp: true, interval: 500ms }\n    stop_grace: 2s\n")}  stubborn:\n    command: sh -c 'trap "" TERM; sleep 3600 & wait'\n    stop_grace: 300ms\n`,
  );
  await berthOk(["up", "-d"], { home, cwd });
  await readyRows(home, cwd, 3);
  await waitFor(() => processesOfStack("orphantest").length >= 6, "apps, their forked children and the stubborn shell");
  await berthOk(["down"], { home, cwd });
  assert.deepEqual(processesOfStack("orphantest"), []);
  const ps = await berth(["ps"], { home, cwd });
  assert.equal(ps.code, 1);
  assert.match(ps.stderr, /stack "orphantest" is not up/);
});

test("depends_on waits for the dependency to be healthy before starting the dependent", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(t, 
    `name: dependtest\nservices:\n  api:\n${nodeService("    health: { http: /health, interval: 200ms }\n")}  client:\n    command: sh -c 'echo started; sleep 3600'\n    depends_on: [api]\n`,
  );
  const up = await berthOk(["up", "-d"], { home, cwd });
  assert.match(up.stderr, /waiting for api to be ready/);
  const rows = await berthJson<PsRow[]>(["ps"], { home, cwd });
  assert.equal(rows.find((row) => row.service === "api")?.health, "healthy");
  // A command without a health check is "starting" until it has stayed up a moment (START_UPTIME_MS).
  await waitFor(async () => (await berthJson<PsRow[]>(["ps"], { home, cwd })).find((row) => row.service === "client")?.status === "running", "client running");
  await berthOk(["down"], { home, cwd });
});

test("scale adds and removes replicas; restart replaces processes without counting failures", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(t, `name: scaletest\nservices:\n  web:\n${nodeService("    health: { tcp: true, interval: 200ms }\n")}`);
  await berthOk(["up", "-d"], { home, cwd });
  await readyRows(home, cwd, 1);
  await berthOk(["scale", "web=3"], { home, cwd });
  const three = await readyRows(home, cwd, 3);
  assert.equal(new Set(three.map((row) => row.port)).size, 3);
  await berthOk(["restart", "web"], { home, cwd });
  const restarted = await readyRows(home, cwd, 3);
  assert.ok(restarted.every((row, i) => row.pid !== three[i]?.pid && row.restarts === 0));
  await berthOk(["scale", "web=1"], { home, cwd });
  await readyRows(home, cwd, 1);
  await berthOk(["down"], { home, cwd });
});
