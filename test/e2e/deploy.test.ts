import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, FIXTURES, makeHome, processGroupsOfStack, waitFor, type PsRow, tempDir } from "../helpers/berth-cli.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");

function stackFile(version: string, command = `${process.execPath} ${STREAM_APP}`): string {
  return `name: deployed
env:
  APP_VERSION: ${version}
shared: [media]
keep_releases: 3
hooks:
  post_deploy: echo deployed ${version} > media/last-deploy.txt
services:
  web:
    command: ${command}
    replicas: 2
    health: { http: /health, interval: 500ms, timeout: 1s, retries: 2 }
    stop_grace: 10s
  worker:
    command: sh -c 'echo worker $APP_VERSION; exec sleep 3600'
proxy:
  hosts: [deploy.test]
`;
}

interface ReleaseRow {
  id: string;
  status: string;
}

/** Deploys v1 of the stack behind the proxy and waits until it serves. */
async function deployFirstRelease(t: TestContext) {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-deploy-");
  writeFileSync(join(cwd, "berth.yml"), stackFile("v1"));
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 180_000 };
  await berthOk(["deploy"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = (path: string) => proxyRequest({ port: httpsPort!, host: "deploy.test", path, tls: { ca } });
  await waitFor(async () => (await get("/")).text.startsWith("hello from v1"), "v1 serving");
  return { home, cwd, httpsPort: httpsPort!, options, ca, get };
}

test("deploys switch releases under load with zero failed requests; a broken release never goes live; rollback restores", async (t) => {
  const { home, cwd, httpsPort, options, ca, get } = await deployFirstRelease(t);

  // 1. A good deploy under continuous load, with a long request in flight during the switch.
  const load = startLoad({ port: httpsPort, host: "deploy.test", ca, concurrency: 4 });
  const slow = get("/slow?ms=4000");
  writeFileSync(join(cwd, "berth.yml"), stackFile("v2"));
  await berthOk(["deploy"], options);
  await waitFor(async () => (await get("/")).text.startsWith("hello from v2"), "v2 serving");
  const slowAnswer = await slow;
  assert.equal(slowAnswer.status, 200);
  assert.equal(slowAnswer.text, "slow done v1", "the request in flight at the switch completed on the old release");
  const good = await load.stop();
  assert.equal(good.failures, 0, `failed requests during the deploy: ${good.failureSamples.join(" | ")}`);
  assert.ok(good.requests > 50, `enough load was applied (${good.requests})`);
  assert.ok((good.bodies.get("hello from v2") ?? 0) > 0 && (good.bodies.get("hello from v1") ?? 0) > 0, "responses moved from v1 to v2");
  const workerLogs = (await berthOk(["logs", "worker", "-n", "20"], options)).stdout;
  assert.match(workerLogs, /worker v2/, "the worker was restarted with the new release");
  assert.equal(readFileSync(join(home, "stacks", "deployed", "shared", "media", "last-deploy.txt"), "utf8").trim(), "deployed v2");

  // 2. A release whose health check never passes: aborted, v2 keeps serving, nothing fails.
  const brokenLoad = startLoad({ port: httpsPort, host: "deploy.test", ca, concurrency: 4 });
  writeFileSync(join(cwd, "berth.yml"), stackFile("v3", "sh -c 'echo broken release; exec sleep 3600'"));
  const broken = await berth(["deploy", "--timeout", "4s"], options);
  const brokenReport = await brokenLoad.stop();
  assert.equal(broken.code, 3, broken.stderr);
  assert.match(broken.stderr, /deploy aborted/);
  assert.equal(brokenReport.failures, 0, `failed requests during the broken deploy: ${brokenReport.failureSamples.join(" | ")}`);
  assert.equal(brokenReport.bodies.get("hello from v3"), undefined);
  assert.match((await get("/")).text, /^hello from v2/);
  const rows = await berthJson<PsRow[]>(["ps"], options);
  assert.equal(rows.filter((row) => row.service === "web").length, 2, "the broken replicas were stopped");

  // 3. Rollback to v1 without rebuilding.
  const releases = await berthJson<ReleaseRow[]>(["releases"], options);
  assert.deepEqual(releases.map((release) => release.status), ["failed", "live", "previous"]);
  const rollbackLoad = startLoad({ port: httpsPort, host: "deploy.test", ca, concurrency: 2 });
  await berthOk(["rollback"], options);
  await waitFor(async () => (await get("/")).text.startsWith("hello from v1"), "v1 serving again", 10_000);
  const rollbackReport = await rollbackLoad.stop();
  assert.equal(rollbackReport.failures, 0, rollbackReport.failureSamples.join(" | "));
  const after = await berthJson<ReleaseRow[]>(["releases"], options);
  assert.equal(after.find((release) => release.id === releases[2]!.id)?.status, "live");
  assert.equal(after.find((release) => release.id === releases[1]!.id)?.status, "rolled-back");
  const kinds = (await berthJson<{ kind: string }[]>(["events"], options)).map((event) => event.kind).filter((kind) => kind !== "deploy-started");
  assert.deepEqual(kinds.filter((kind) => kind.startsWith("deploy") || kind === "rollback"), ["deploy-succeeded", "deploy-succeeded", "deploy-failed", "rollback"]);
  await berthOk(["down"], options);
});

test("a second deploy while one runs is refused with a clear message", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-deploy-lock-");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: locked\nbuild: [sleep 3]\nservices:\n  web:\n    command: ${process.execPath} ${STREAM_APP}\n    health: { http: /health, interval: 500ms }\n`,
  );
  const first = berth(["deploy"], { home, cwd, timeoutMs: 120_000 });
  await waitFor(() => {
    try {
      return readFileSync(join(home, "stacks", "locked", "deploy.lock"), "utf8").length > 0;
    } catch {
      return false;
    }
  }, "the first deploy to hold the lock");
  const second = await berth(["deploy"], { home, cwd });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /another deploy of this stack is running \(pid \d+/);
  assert.equal((await first).code, 0);
  await berthOk(["down"], { home, cwd });
});

test("a daemon killed during a deploy comes back with the previous release serving, the half-made one failed, no orphan", async (t) => {
  const { home, cwd, options, get } = await deployFirstRelease(t);

  writeFileSync(join(cwd, "berth.yml"), stackFile("v2", "sh -c 'echo never healthy; exec sleep 3600'"));
  const deploying = berth(["deploy", "--timeout", "60s"], options);
  await waitFor(() => {
    const state = JSON.parse(readFileSync(join(home, "state.json"), "utf8")) as { stacks: Record<string, { replicas: unknown[] }> };
    return (state.stacks.deployed?.replicas.length ?? 0) >= 5;
  }, "the new release's replicas to be started and recorded");
  const { pid } = await berthJson<{ pid: number }>(["daemon", "status"], { home });
  process.kill(pid, "SIGKILL");
  const interrupted = await deploying;
  assert.notEqual(interrupted.code, 0);

  await waitFor(async () => {
    const rows = await berthJson<PsRow[]>(["ps"], options);
    return rows.filter((row) => row.service === "web" && row.health === "healthy").length === 2;
  }, "the previous release restored");
  await waitFor(async () => (await get("/")).text.startsWith("hello from v1"), "v1 serving after the crash");
  const replicaGroups = new Set((await berthJson<PsRow[]>(["ps"], options)).map((row) => row.pid));
  assert.equal(replicaGroups.size, 3, "v1's two web replicas and its worker");
  await waitFor(
    () => [...processGroupsOfStack("deployed")].every((group) => replicaGroups.has(group)),
    "no process left from the interrupted release",
  );
  const releases = await berthJson<ReleaseRow[]>(["releases"], options);
  assert.deepEqual(releases.map((release) => release.status), ["failed", "live"]);
  await berthOk(["down"], options);
});
