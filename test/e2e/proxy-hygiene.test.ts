import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { berthJson, berthOk, FIXTURES, makeHome, waitFor, type PsRow, tempDir } from "../helpers/berth-cli.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

// The proxy's hygiene, probed the way an attacker would: raw sockets on loopback against a real
// berth stack whose app (test/fixtures/apps/echo-app.mjs) echoes what reached it.

const ECHO_APP = join(FIXTURES, "apps", "echo-app.mjs");
/** The proxy's body idle timeout (BODY_IDLE_TIMEOUT_MS in src/proxy/request-body.ts). */
const BODY_IDLE_TIMEOUT_MS = 30_000;

interface Stack {
  home: string;
  cwd: string;
  env: Record<string, string>;
  port: number;
}

async function startStack(t: TestContext): Promise<Stack> {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-hygiene-");
  mkdirSync(join(cwd, "public", "d"), { recursive: true });
  writeFileSync(join(cwd, "public", "d", "passwd"), "inside");
  symlinkSync("/etc", join(cwd, "link-to-etc"));
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: hygiene
services:
  web:
    command: ${process.execPath} ${ECHO_APP}
    replicas: 2
    health: { http: /health, interval: 500ms }
proxy:
  hosts: [app.test]
  static: { /static/: public }
  tls: off
`,
  );
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);
  await berthOk(["up", "-d"], { home, cwd, env });
  await waitFor(async () => (await berthJson<PsRow[]>(["ps"], { home, cwd, env })).every((row) => row.health === "healthy"), "healthy replicas", 60_000);
  const stack = { home, cwd, env, port: httpPort! };
  await waitFor(async () => (await get(stack, "/echo")).status === 200, "the app through the proxy", 60_000);
  return stack;
}

test("the proxy refuses upgrade smuggling, underscored forwarding headers, bad Hosts, stalled bodies and symlink escapes, and retries refused connections", async (t) => {
  const stack = await startStack(t);
  // Started first: it runs for the whole body idle timeout while the other probes go on.
  const slowBody = sendStalledBody(stack.port);

  await t.test("an Upgrade answered 200 is relayed and closed, never tunnelled", async () => {
    const upgrade = rawRequest("GET", "/echo", ["Host: app.test", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]);
    const smuggled = rawRequest("GET", "/echo", ["Host: evil.example", "X-Forwarded-For: 6.6.6.6"]);
    const received = await exchange(stack.port, upgrade + smuggled, { onFirstData: smuggled });
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.equal(received.match(/HTTP\/1\.1 \d{3}/g)?.length, 1, `one response only, got:\n${received}`);
    assert.ok(!received.includes("evil.example") && !received.includes("6.6.6.6"), "the smuggled request reached the app");
    const echoed = JSON.parse(received.slice(received.indexOf("\r\n\r\n") + 4)) as { headers: Record<string, string> };
    assert.equal(echoed.headers["x-forwarded-for"], "127.0.0.1");
  });

  await t.test("header names with underscores never reach the app", async () => {
    const answer = await get(stack, "/echo", { x_forwarded_for: "6.6.6.6", x_real_ip: "6.6.6.6", x_forwarded_host: "evil.example", "x-kept": "yes" });
    const echoed = JSON.parse(answer.text) as { headers: Record<string, string> };
    assert.deepEqual(Object.keys(echoed.headers).filter((name) => name.includes("_")), []);
    assert.equal(echoed.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(echoed.headers["x-real-ip"], "127.0.0.1");
    assert.equal(echoed.headers["x-forwarded-host"], "app.test");
    assert.equal(echoed.headers["x-kept"], "yes");
  });

  await t.test("a Host with userinfo, a port that is not a number or a second Host gets 400", async () => {
    for (const hostLines of [["Host: app.test:@evil.example"], ["Host: user@app.test"], ["Host: app.test:80x"], ["Host: app.test", "Host: evil.example"]]) {
      const received = await exchange(stack.port, rawRequest("GET", "/echo", hostLines));
      assert.match(received, /^HTTP\/1\.1 400 /, `${hostLines.join(" / ")} answered ${received.slice(0, 40)}`);
      assert.ok(!received.includes('"pid"'), "the app answered");
    }
    const valid = await exchange(stack.port, rawRequest("GET", "/echo", [`Host: app.test:${stack.port}`, "Connection: close"]));
    assert.match(valid, /^HTTP\/1\.1 200 /);
  });

  await t.test("a directory swapped for a symlink to /etc never serves a file from outside the root", async (t) => {
    const directory = join(stack.cwd, "public", "d");
    const swapper = spawn(process.execPath, ["-e", swapLoop(directory, join(stack.cwd, "parked"), join(stack.cwd, "link-to-etc"))], { stdio: "ignore" });
    try {
      const counts = await getConcurrently(stack, "/static/d/passwd", 4000, 16);
      t.diagnostic(`symlink race: ${counts.inside} inside, ${counts.notFound} not found, ${counts.outside} outside the root`);
      assert.equal(counts.outside, 0, `${counts.outside} responses came from outside the root: ${counts.sample}`);
      assert.ok(counts.inside > 0, "some requests were served while the directory was in place");
      assert.ok(counts.notFound > 0, "the swaps raced the requests");
    } finally {
      swapper.kill("SIGKILL");
    }
  });

  await t.test("a request body that stalls gets 408 and its upstream request is aborted", async (t) => {
    const { received, stalledMs } = await slowBody;
    t.diagnostic(`408 after ${Math.round(stalledMs)} ms of silence`);
    assert.match(received, /^HTTP\/1\.1 408 /);
    assert.ok(stalledMs >= BODY_IDLE_TIMEOUT_MS - 1_000, `408 after ${stalledMs} ms, before the idle timeout`);
    assert.ok(stalledMs <= BODY_IDLE_TIMEOUT_MS + 30_000, `408 after ${stalledMs} ms`);
    await waitFor(async () => (await abortedBodiesOfReplicas(stack)) >= 1, "the app to see the aborted upload");
  });

  await t.test("kill -9 of one of two replicas during POST load: refused connections are retried on the other", async (t) => {
    const rows = await berthJson<PsRow[]>(["ps"], { home: stack.home, cwd: stack.cwd, env: stack.env });
    const victim = rows.find((row) => row.pid !== null)!.pid!;
    const concurrency = 4;
    const load = startPostLoad(stack.port, concurrency);
    await waitFor(() => load.report.ok >= 200, "POST load under way");
    process.kill(-victim, "SIGKILL");
    load.report.killedAt = performance.now();
    const killedAt = load.report.ok + load.report.failed;
    // Until the supervisor has restarted the replica and it is healthy again, then a little more.
    await waitFor(
      async () => (await berthJson<PsRow[]>(["ps"], { home: stack.home, cwd: stack.cwd, env: stack.env })).every((row) => row.health === "healthy" && row.pid !== victim),
      "the killed replica restarted and healthy",
      60_000,
    );
    const report = await load.stop();
    t.diagnostic(`POST load: ${report.ok + report.failed} requests, ${report.ok + report.failed - killedAt} after the kill, ${report.failed} failed (started after the kill: ${report.failedAfterKillMs.join(", ") || "none"} ms)`);
    // A loaded machine sends fewer in the window before the restart; a few dozen still hit the dead replica's port.
    assert.ok(report.ok + report.failed > killedAt + 20, "requests ran while the replica was down");
    // Only requests already sent to the killed replica may fail: at most one per client.
    assert.ok(report.failed <= concurrency, `${report.failed} of ${report.ok + report.failed} POSTs failed: ${report.samples.join("; ")}`);
  });
});

function get(stack: Stack, path: string, headers: Record<string, string> = {}) {
  return proxyRequest({ port: stack.port, host: "app.test", path, headers });
}

function rawRequest(method: string, path: string, headerLines: string[]): string {
  return `${method} ${path} HTTP/1.1\r\n${headerLines.join("\r\n")}\r\n\r\n`;
}

/** Sends `payload` on a fresh connection and collects every byte until the proxy closes it (or the deadline). */
function exchange(port: number, payload: string, options: { onFirstData?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    let wroteAgain = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 10_000);
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (options.onFirstData !== undefined && !wroteAgain && socket.writable) {
        wroteAgain = true;
        socket.write(options.onFirstData);
      }
    });
    socket.on("error", finish);
    socket.on("close", finish);
    socket.write(payload);
  });
}

/** A POST that sends a few bytes of its declared body, then nothing. */
function sendStalledBody(port: number): Promise<{ received: string; stalledMs: number }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    let stalledAt = 0;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, stalledMs: performance.now() - stalledAt });
    };
    const timer = setTimeout(finish, BODY_IDLE_TIMEOUT_MS + 60_000);
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", finish);
    socket.on("close", finish);
    socket.write(rawRequest("POST", "/upload", ["Host: app.test", "Content-Type: application/octet-stream", "Content-Length: 100000"]) + "x".repeat(1000), () => {
      stalledAt = performance.now();
    });
  });
}

async function abortedBodiesOfReplicas(stack: Stack): Promise<number> {
  const byPid = new Map<number, number>();
  for (let i = 0; i < 10 && byPid.size < 2; i++) {
    const stats = JSON.parse((await get(stack, "/stats")).text) as { pid: number; abortedBodies: number };
    byPid.set(stats.pid, stats.abortedBodies);
  }
  return [...byPid.values()].reduce((sum, count) => sum + count, 0);
}

/** Source of a loop that turns `path` from a directory into a symlink to /etc and back, forever. */
function swapLoop(path: string, parked: string, link: string): string {
  const [p, x, l] = [path, parked, link].map((item) => JSON.stringify(item));
  return `const fs = require("node:fs"); for (;;) { fs.renameSync(${p}, ${x}); fs.renameSync(${l}, ${p}); fs.renameSync(${p}, ${l}); fs.renameSync(${x}, ${p}); }`;
}

async function getConcurrently(stack: Stack, path: string, total: number, concurrency: number) {
  const counts = { inside: 0, outside: 0, notFound: 0, sample: "" };
  let started = 0;
  const client = async () => {
    while (started < total) {
      started += 1;
      const answer = await get(stack, path);
      if (answer.status === 200 && answer.text === "inside") counts.inside += 1;
      else if (answer.status === 404) counts.notFound += 1;
      else {
        counts.outside += 1;
        counts.sample ||= `${answer.status} ${answer.text.slice(0, 60)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return counts;
}

interface PostReport {
  ok: number;
  failed: number;
  samples: string[];
  /** When the replica was killed (performance.now()), set by the test. */
  killedAt: number | null;
  /** Failed requests that started after the kill, with how long after it (ms). */
  failedAfterKillMs: number[];
}

/** `concurrency` keep-alive clients POSTing small bodies in a loop until stopped; anything but 200 is a failure. */
function startPostLoad(port: number, concurrency: number): { report: PostReport; stop: () => Promise<PostReport> } {
  const report: PostReport = { ok: 0, failed: 0, samples: [], killedAt: null, failedAfterKillMs: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const body = Buffer.alloc(2048, 1);
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const startedAt = performance.now();
      const fail = (what: string) => {
        report.failed += 1;
        if (report.samples.length < 5) report.samples.push(what);
        if (report.killedAt !== null && startedAt > report.killedAt) report.failedAfterKillMs.push(Math.round(startedAt - report.killedAt));
      };
      const request = httpRequest(
        { host: "127.0.0.1", port, path: "/upload", method: "POST", headers: { host: "app.test", "content-length": body.length }, agent },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => {
            if (response.statusCode === 200) report.ok += 1;
            else fail(`${response.statusCode} ${text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").slice(0, 120)}`);
            resolve();
          });
        },
      );
      request.setTimeout(15_000, () => request.destroy(new Error("timeout")));
      request.on("error", (error) => {
        fail(error.message);
        resolve();
      });
      request.end(body);
    });
  const clients = Array.from({ length: concurrency }, async () => {
    while (running && report.ok + report.failed < 200_000) await once();
  });
  return {
    report,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return report;
    },
  };
}
