import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { Service } from "../config/types.js";
import { RotatingLogFile } from "../logs/index.js";
import { silentLogger } from "../util/logger.js";
import { signalProcessGroup } from "./procfs.js";
import { Replica, ReplicaNotReadyError, type ReplicaOptions, type ReplicaStatus } from "./replica.js";

// Real short-lived `sh` processes; generous deadlines for a loaded 2-core machine.
const DEADLINE_MS = 30_000;
const POLICY = { maxSizeBytes: 10_000_000, keep: 2, compress: false };

interface Fixture {
  directory: string;
  logPath: string;
  /** Every status the replicas of this fixture went through, in order. */
  statuses: ReplicaStatus[];
  options(command: string, overrides?: Partial<Service>): ReplicaOptions;
  /** Registers a replica whose status changes are recorded and which is stopped after the test. */
  track(replica: Replica): Replica;
}

function makeFixture(t: TestContext): Fixture {
  const directory = mkdtempSync(join(tmpdir(), "berth-replica-"));
  const logPath = join(directory, "logs", "app.0.log");
  const log = new RotatingLogFile(logPath, POLICY);
  const replicas: Replica[] = [];
  const statuses: ReplicaStatus[] = [];
  t.after(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await log.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return {
    directory,
    logPath,
    statuses,
    options: (command, overrides = {}) => ({
      service: {
        name: "app",
        command,
        cwd: directory,
        env: {},
        replicas: 1,
        port: { kind: "none" },
        health: null,
        restart: "always",
        stopGraceMs: 2_000,
        dependsOn: [],
        runAs: null,
        ...overrides,
      },
      index: 0,
      port: null,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      log,
      logger: silentLogger,
      runDir: join(directory, "run"),
      onChange: () => {
        const latest = replicas.at(-1);
        if (latest) statuses.push(latest.snapshot().status);
      },
    }),
    track: (replica) => {
      replicas.push(replica);
      return replica;
    },
  };
}

async function waitFor<T>(check: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const logText = (fixture: Fixture) => (existsSync(fixture.logPath) ? readFileSync(fixture.logPath, "utf8") : "");

test("a replica's output lands in its log file, and its FIFOs go when it stops", async (t) => {
  const fixture = makeFixture(t);
  const replica = fixture.track(new Replica(fixture.options("echo hello-out; echo hello-err >&2; exec sleep 60")));
  replica.start();
  assert.equal(replica.logPath, fixture.logPath);
  await waitFor(() => /hello-out/.test(logText(fixture)) && /hello-err/.test(logText(fixture)), "both lines in the log");
  const pipes = replica.snapshot().outputPipes;
  assert.ok(pipes && existsSync(pipes.out) && existsSync(pipes.err));
  await replica.waitUntilReady(DEADLINE_MS);
  assert.equal(replica.snapshot().status, "running");
  await replica.stop();
  assert.equal(replica.snapshot().status, "stopped");
  assert.equal(replica.snapshot().pid, null);
  assert.equal(existsSync(pipes.out) || existsSync(pipes.err), false);
});

test("a detached replica keeps running; another object adopts it, reads what it wrote meanwhile, and restarts it when it dies", async (t) => {
  const fixture = makeFixture(t);
  const gate = join(fixture.directory, "gate");
  const written = join(fixture.directory, "written");
  const command = `echo before-detach; while [ ! -e ${gate} ]; do sleep 0.05; done; echo while-detached; touch ${written}; exec sleep 60`;
  const first = fixture.track(new Replica(fixture.options(command)));
  first.start();
  await waitFor(() => logText(fixture).includes("before-detach"), "the first line");
  const before = first.snapshot();
  first.detach();

  writeFileSync(gate, "");
  await waitFor(() => existsSync(written), "the line written while nobody reads");
  assert.doesNotMatch(logText(fixture), /while-detached/);
  assert.ok(before.pid !== null && before.startTicks !== null && before.startedAt !== null && before.outputPipes !== null);
  const record = { pid: before.pid, startTicks: before.startTicks, startedAt: before.startedAt, restarts: before.restarts, outputPipes: before.outputPipes };
  assert.equal(Replica.adopt(fixture.options(command), { ...record, startTicks: record.startTicks + 1 }), null, "a recycled pid is not adopted");

  const adopted = fixture.track(Replica.adopt(fixture.options(command), record)!);
  assert.ok(adopted);
  assert.equal(adopted.snapshot().pid, before.pid);
  await waitFor(() => logText(fixture).includes("while-detached"), "the buffered line in the log");
  await adopted.waitUntilReady(DEADLINE_MS);

  signalProcessGroup(before.pid, "SIGKILL");
  const restarted = await waitFor(() => {
    const now = adopted.snapshot();
    return now.pid !== null && now.pid !== before.pid ? now : undefined;
  }, "the adopted replica to be restarted");
  assert.equal(restarted.restarts, before.restarts + 1);
  assert.match(adopted.snapshot().lastExit ?? "", /unknown/);
  await adopted.stop();
  assert.equal(adopted.snapshot().status, "stopped");
});

test("a replica whose cwd does not exist backs off and retries, is never running, and stops at once", async (t) => {
  const fixture = makeFixture(t);
  const replica = fixture.track(new Replica(fixture.options("echo never", { cwd: join(fixture.directory, "missing") })));
  replica.start();
  await waitFor(() => replica.snapshot().restarts >= 3, "a few retries");
  const snapshot = replica.snapshot();
  assert.ok(["backoff", "crash-loop", "starting"].includes(snapshot.status), snapshot.status);
  assert.match(snapshot.lastExit ?? "", /could not start: .*ENOENT/);
  assert.match(logText(fixture), /\[berth\] could not start: /);
  assert.ok(!fixture.statuses.includes("running"), fixture.statuses.join(" "));
  const stopStarted = Date.now();
  await replica.stop();
  assert.ok(Date.now() - stopStarted < 1_000, `stop took ${Date.now() - stopStarted} ms`);
  assert.equal(replica.snapshot().status, "stopped");
});

test("waitUntilReady rejects as soon as the replica crash-loops, long before its timeout", async (t) => {
  const fixture = makeFixture(t);
  const replica = fixture.track(new Replica(fixture.options("sh -c 'exit 1'")));
  replica.start();
  const started = Date.now();
  const error = await replica.waitUntilReady(120_000).then(
    () => assert.fail("a replica that exits at once was reported ready"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ReplicaNotReadyError, String(error));
  assert.equal(error.reason, "crash-loop");
  assert.equal(error.replica, "app.0");
  assert.equal(error.lastExit, "exit code 1");
  assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  assert.ok(!fixture.statuses.includes("running"), fixture.statuses.join(" "));
});

test("waitUntilReady explains an exit the restart policy leaves alone, and an aborted wait", async (t) => {
  const fixture = makeFixture(t);
  const exiting = fixture.track(new Replica(fixture.options("sh -c 'exit 4'", { restart: "no" })));
  exiting.start();
  await assert.rejects(exiting.waitUntilReady(DEADLINE_MS), (error: ReplicaNotReadyError) => error.reason === "exited" && error.lastExit === "exit code 4");

  const sleeping = fixture.track(new Replica(fixture.options("exec sleep 60", { health: { kind: "command", command: "false", probe: { intervalMs: 100, timeoutMs: 1_000, retries: 1_000, startPeriodMs: 60_000 } } })));
  sleeping.start();
  const controller = new AbortController();
  const waiting = sleeping.waitUntilReady(DEADLINE_MS, controller.signal);
  controller.abort();
  await assert.rejects(waiting, (error: ReplicaNotReadyError) => error.reason === "aborted");
  await assert.rejects(sleeping.waitUntilReady(200), (error: ReplicaNotReadyError) => error.reason === "timeout");
});

test("a replica that never passes its health check is restarted with backoff and shows crash-loop, not running", async (t) => {
  const fixture = makeFixture(t);
  const health = { kind: "command" as const, command: "echo not yet; exit 1", probe: { intervalMs: 100, timeoutMs: 5_000, retries: 1, startPeriodMs: 0 } };
  const replica = fixture.track(new Replica(fixture.options("exec sleep 60", { health })));
  replica.start();
  const error = await replica.waitUntilReady(120_000).then(
    () => assert.fail("a replica that never passes its health check was reported ready"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ReplicaNotReadyError, String(error));
  assert.equal(error.reason, "crash-loop");
  assert.match(error.lastProbe ?? "", /exit 1: not yet/);
  assert.ok(replica.snapshot().restarts >= 3);
  assert.match(logText(fixture), /restarting in \d+ ms/);
  assert.ok(!fixture.statuses.includes("running"), fixture.statuses.join(" "));
});
