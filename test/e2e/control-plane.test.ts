import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BERTH_BIN, berth, berthJson, berthOk, FIXTURES, makeHome, processGroupsOfStack, tempDir, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

// Issue 9's acceptance: every change planned, serialised and cancellable; apps outlive the daemon.

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");

interface StackOptions {
  name: string;
  version?: string;
  webEnv?: string;
  database?: string;
  webCommand?: string;
  keepReleases?: number;
}

function stackFile(options: StackOptions): string {
  return `name: ${options.name}
env:
  APP_VERSION: ${options.version ?? "v1"}
${options.database ?? ""}
keep_releases: ${options.keepReleases ?? 3}
services:
  web:
    command: ${options.webCommand ?? `${process.execPath} ${STREAM_APP}`}
    replicas: 2
    health: { http: /health, interval: 500ms, timeout: 2s, retries: 2 }
    stop_grace: 10s
${options.webEnv ?? ""}
  worker:
    command: sh -c 'echo worker $APP_VERSION; exec sleep 3600'
proxy:
  hosts: [${options.name}.test]
`;
}

async function startStack(t: TestContext, options: StackOptions) {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-control-");
  writeFileSync(join(cwd, "berth.yml"), stackFile(options));
  const [httpPort, httpsPort] = await freePorts(2);
  const run = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 240_000 };
  await berthOk(["up", "-d"], run);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = (path: string) => proxyRequest({ port: httpsPort!, host: `${options.name}.test`, path, tls: { ca } });
  const ps = () => berthJson<PsRow[]>(["ps"], run);
  const pidsOf = async (service: string) => (await ps()).filter((row) => row.service === service).map((row) => row.pid).sort();
  return { home, cwd, run, ca, httpsPort: httpsPort!, get, ps, pidsOf, write: (next: StackOptions) => writeFileSync(join(cwd, "berth.yml"), stackFile(next)) };
}

test("up -d applies only what changed under load, and a config that cannot work leaves the stack as it was", async (t) => {
  const database = "database: postgres";
  const stack = await startStack(t, { name: "planned", database });
  const [workerBefore, postgresBefore, webBefore] = await Promise.all([stack.pidsOf("worker"), stack.pidsOf("postgres"), stack.pidsOf("web")]);
  assert.equal(postgresBefore.length, 1);

  const load = startLoad({ port: stack.httpsPort, host: "planned.test", ca: stack.ca, concurrency: 4 });
  stack.write({ name: "planned", database, webEnv: "    env: { FEATURE: on }" });
  const changed = await berthOk(["up", "-d"], stack.run);
  assert.match(changed.stderr, /web: new replicas beside the old/);
  const report = await load.stop();
  assert.ok(report.requests > 50, `load ran (${report.requests} requests)`);
  assert.equal(report.failures, 0, `failed requests: ${report.failureSamples.join("; ")}`);
  assert.deepEqual(await stack.pidsOf("worker"), workerBefore, "the worker was not restarted");
  assert.deepEqual(await stack.pidsOf("postgres"), postgresBefore, "PostgreSQL was not restarted");
  const webAfter = await stack.pidsOf("web");
  assert.equal(webAfter.length, 2);
  assert.ok(webAfter.every((pid) => !webBefore.includes(pid)), "web was replaced");

  // A new configuration that cannot start (an extension whose package is missing): refused before any process is touched.
  stack.write({ name: "planned", database: "database: { engine: postgres, extensions: [no_such_extension_berth] }", webEnv: "    env: { FEATURE: off }" });
  const broken = await berth(["up", "-d"], stack.run);
  assert.notEqual(broken.code, 0);
  assert.match(broken.stderr, /no_such_extension_berth/);
  assert.deepEqual(await stack.pidsOf("web"), webAfter);
  assert.deepEqual(await stack.pidsOf("postgres"), postgresBefore);
  assert.equal((await stack.get("/")).status, 200);

  // scale is kept by an up of the unchanged file, which restarts nothing.
  stack.write({ name: "planned", database, webEnv: "    env: { FEATURE: on }" });
  await berthOk(["scale", "worker=2"], stack.run);
  const scaledWorkers = await stack.pidsOf("worker");
  assert.equal(scaledWorkers.length, 2);
  const unchanged = await berthOk(["up", "-d"], stack.run);
  assert.match(unchanged.stdout, /already up and unchanged/);
  assert.deepEqual(await stack.pidsOf("worker"), scaledWorkers);
  assert.deepEqual(await stack.pidsOf("web"), webAfter);
});

test("up -d exits 3 naming the service, its last log lines and the likely fix, when web crash-loops or its health check answers 400", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-notready-");
  writeFileSync(join(cwd, "berth.yml"), `name: notready\nservices:\n  web:\n    command: sh -c 'echo starting the app; no-such-program-berth --serve'\n    port: auto\n`);
  const crashing = await berth(["up", "-d"], { home, cwd, timeoutMs: 120_000 });
  assert.equal(crashing.code, 3, crashing.stderr);
  assert.match(crashing.stderr, /web is not ready/);
  assert.match(crashing.stderr, /starting the app/, "the last log lines are shown");
  assert.match(crashing.stderr, /command was not found/);

  writeFileSync(
    join(cwd, "berth.yml"),
    `name: notready\nservices:\n  web:\n    command: ${process.execPath} -e "require('http').createServer((q, s) => { s.statusCode = 400; s.end('Invalid HTTP_HOST header') }).listen(process.env.PORT, '127.0.0.1')"\n    health: { http: /, interval: 300ms, timeout: 1s, retries: 2, start_period: 1s }\n`,
  );
  const refused = await berth(["up", "-d", "--timeout", "20s"], { home, cwd, timeoutMs: 120_000 });
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /web is not ready/);
  assert.match(refused.stderr, /ALLOWED_HOSTS/);
});

test("down during a deploy cancels it: no process left that ps does not show, releases match what runs", async (t) => {
  const stack = await startStack(t, { name: "cancelled" });
  await berthOk(["deploy"], stack.run);
  stack.write({ name: "cancelled", version: "v2", webCommand: "sh -c 'echo never healthy; exec sleep 3600'" });
  const deploying = berth(["deploy", "--timeout", "120s"], stack.run);
  await waitFor(async () => (await berthJson<{ status: string }[]>(["releases"], stack.run)).some((release) => release.status === "deploying"), "the deploy to reach the daemon");
  await berthOk(["down"], stack.run);
  const deploy = await deploying;
  assert.notEqual(deploy.code, 0, "a cancelled deploy does not exit 0");
  await waitFor(() => processGroupsOfStack("cancelled").size === 0, "no process of the stack left");
  const releases = await berthJson<{ status: string }[]>(["releases"], stack.run);
  assert.deepEqual(releases.map((release) => release.status), ["failed", "live"]);
});

test("Ctrl+C during a deploy before the switch leaves the old release live and nothing of the new one running", async (t) => {
  const stack = await startStack(t, { name: "interrupted" });
  await berthOk(["deploy"], stack.run);
  stack.write({ name: "interrupted", version: "v2", webCommand: "sh -c 'echo never healthy; exec sleep 3600'" });
  const child = spawn(process.execPath, [BERTH_BIN, "deploy", "--timeout", "120s"], { cwd: stack.cwd, env: { ...process.env, ...stack.run.env, BERTH_HOME: stack.home, NO_COLOR: "1" } });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await waitFor(async () => (await stack.ps()).length > 0 && (await berthJson<{ status: string }[]>(["releases"], stack.run)).some((release) => release.status === "deploying"), "the deploy in flight");
  child.kill("SIGINT");
  assert.notEqual(await exited, 0);
  await waitFor(async () => (await berthJson<{ status: string }[]>(["releases"], stack.run))[0]?.status === "failed", "the release marked failed");
  const rows = await stack.ps();
  const shown = new Set(rows.map((row) => row.pid));
  await waitFor(() => [...processGroupsOfStack("interrupted")].every((group) => shown.has(group)), "no process that ps does not show");
  assert.ok((await stack.get("/")).text.startsWith("hello from v1"));
});

test("kill -9 of the daemon under load: 0 failed requests, and the next daemon adopts the same replicas", async (t) => {
  const stack = await startStack(t, { name: "outlive" });
  const before = (await stack.ps()).map((row) => row.pid).sort();
  const load = startLoad({ port: stack.httpsPort, host: "outlive.test", ca: stack.ca, concurrency: 4 });
  const { pid } = await berthJson<{ pid: number }>(["daemon", "status"], stack.run);
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 20; i++) assert.equal((await stack.get("/")).status, 200, "serving while the daemon is down");
  const after = (await stack.ps()).map((row) => row.pid).sort();
  const report = await load.stop();
  assert.ok(report.requests > 20, `load ran (${report.requests})`);
  assert.equal(report.failures, 0, `failed requests: ${report.failureSamples.join("; ")}`);
  assert.deepEqual(after, before, "the new daemon adopted the same processes");
  const { pid: newPid } = await berthJson<{ pid: number }>(["daemon", "status"], stack.run);
  assert.notEqual(newPid, pid);
});

test("deploy --no-restart worker twice with keep_releases 1 keeps the worker's directory; killed, it restarts", async (t) => {
  const stack = await startStack(t, { name: "kept", keepReleases: 1 });
  await berthOk(["deploy"], stack.run);
  const [worker] = await stack.pidsOf("worker");
  stack.write({ name: "kept", version: "v2", keepReleases: 1 });
  await berthOk(["deploy", "--no-restart", "worker"], stack.run);
  stack.write({ name: "kept", version: "v3", keepReleases: 1 });
  await berthOk(["deploy", "--no-restart", "worker"], stack.run);
  assert.deepEqual(await stack.pidsOf("worker"), [worker]);
  process.kill(-worker!, "SIGKILL");
  await waitFor(async () => {
    const [row] = (await stack.ps()).filter((candidate) => candidate.service === "worker");
    return row && row.pid !== worker && row.status === "running" ? row : undefined;
  }, "the worker restarted");
});

test("berth daemon restart hands the stack over without a failed request; scale and stop/start go through the new daemon", async (t) => {
  const stack = await startStack(t, { name: "handover" });
  const before = (await stack.ps()).map((row) => row.pid).sort();
  const { pid } = await berthJson<{ pid: number }>(["daemon", "status"], stack.run);
  const load = startLoad({ port: stack.httpsPort, host: "handover.test", ca: stack.ca, concurrency: 4 });
  const restarted = await berthOk(["daemon", "restart"], stack.run);
  assert.match(restarted.stdout, /apps kept serving/);
  const after = (await stack.ps()).map((row) => row.pid).sort();
  const report = await load.stop();
  assert.equal(report.failures, 0, `failed requests: ${report.failureSamples.join("; ")}`);
  assert.deepEqual(after, before, "the same processes, adopted");
  assert.notEqual((await berthJson<{ pid: number }>(["daemon", "status"], stack.run)).pid, pid);

  await berthOk(["stop", "worker"], stack.run);
  const stopped = (await stack.ps()).filter((row) => row.service === "worker");
  assert.deepEqual(stopped.map((row) => [row.status, row.pid]), [["stopped", null]], "ps still lists a stopped service, with no process");
  await berthOk(["start", "worker"], stack.run);
  assert.equal((await stack.pidsOf("worker")).length, 1);
});

test("a host has one owner: a second stack claiming it is refused, naming the first, and both keep running", async (t) => {
  const first = await startStack(t, { name: "owner" });
  const cwd = tempDir(t, "berth-claimer-");
  writeFileSync(join(cwd, "berth.yml"), stackFile({ name: "claimer" }).replace("hosts: [claimer.test]", "hosts: [owner.test]"));
  const claim = await berth(["up", "-d"], { ...first.run, cwd });
  assert.equal(claim.code, 1, claim.stderr);
  assert.match(claim.stderr, /the host owner\.test is already served by the stack "owner"/);
  assert.equal((await first.get("/")).status, 200);
  assert.deepEqual(processGroupsOfStack("claimer").size, 0, "nothing of the refused stack was started");

  // Two new stacks claiming one host at the same moment: exactly one gets it. A slow release task
  // keeps each start from being recorded for a while, which is when the other must already see the claim.
  const racers = ["racer-a", "racer-b"].map((name) => {
    const dir = tempDir(t, "berth-racer-");
    writeFileSync(join(dir, "berth.yml"), `${stackFile({ name }).replace(`hosts: [${name}.test]`, "hosts: [race.test]")}release: sleep 3\n`);
    return dir;
  });
  const results = await Promise.all(racers.map((dir) => berth(["up", "-d"], { ...first.run, cwd: dir })));
  assert.deepEqual(results.map((result) => result.code).sort(), [0, 1], results.map((result) => result.stderr).join("\n"));
  assert.match(results.find((result) => result.code === 1)!.stderr, /the host race\.test is already served by the stack "racer-[ab]"/);
});
