import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { berthOk, FIXTURES, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");
const DRAIN_TIMEOUT_S = 8;

function stackFile(version: string): string {
  return `name: drained
env:
  APP_VERSION: ${version}
services:
  web:
    command: ${process.execPath} ${STREAM_APP}
    health: { http: /health, interval: 500ms }
proxy:
  hosts: [drain.test]
  drain_timeout: ${DRAIN_TIMEOUT_S}s
`;
}

interface OpenSocket {
  socket: WebSocket;
  /** The release that answered: the app's first message on /ws/version. */
  version: string;
  next: () => Promise<string>;
  closed: Promise<{ code: number; at: number }>;
}

async function openVersionSocket(port: number, ca: string): Promise<OpenSocket> {
  // servername (SNI) is passed through to tls.connect by ws, though its option type does not list it.
  const socket = new WebSocket(`wss://127.0.0.1:${port}/ws/version`, { headers: { host: "drain.test" }, servername: "drain.test", ca } as WebSocket.ClientOptions);
  const messages: string[] = [];
  const waiting: ((message: string) => void)[] = [];
  socket.on("message", (data) => {
    const waiter = waiting.shift();
    if (waiter) waiter(String(data));
    else messages.push(String(data));
  });
  const next = () => {
    const queued = messages.shift();
    return queued !== undefined ? Promise.resolve(queued) : new Promise<string>((resolve) => waiting.push(resolve));
  };
  const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once("close", (code) => resolve({ code, at: Date.now() })));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return { socket, version: (await next()).replace(/^version /, ""), next, closed };
}

async function echo(open: OpenSocket, text: string): Promise<string> {
  open.socket.send(text);
  return open.next();
}

async function deployFirst(t: TestContext) {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-drain-");
  writeFileSync(join(cwd, "berth.yml"), stackFile("v1"));
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 180_000 };
  await berthOk(["deploy"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");
  const get = (path: string) => proxyRequest({ port: httpsPort!, host: "drain.test", path, tls: { ca } });
  await waitFor(async () => (await get("/")).text.startsWith("hello from v1"), "v1 serving");
  return { cwd, options, ca, httpsPort: httpsPort!, get };
}

test("a deploy drains: an open websocket stays on the old release until drain_timeout, then gets 1001; new ones reach the new release", async (t) => {
  const { cwd, options, ca, httpsPort, get } = await deployFirst(t);
  const before = await openVersionSocket(httpsPort, ca);
  assert.equal(before.version, "v1");
  assert.equal(await echo(before, "before the deploy"), "echo: before the deploy");

  writeFileSync(join(cwd, "berth.yml"), stackFile("v2"));
  const deploy = berthOk(["deploy"], options);
  await waitFor(async () => (await get("/")).text.startsWith("hello from v2"), "v2 serving", 120_000);
  const switchedAt = Date.now();

  const after = await openVersionSocket(httpsPort, ca);
  assert.equal(after.version, "v2", "a websocket opened after the switch reaches the new release");
  assert.equal(await echo(before, "after the switch"), "echo: after the switch", "the old release still serves the websocket it had");

  const { code, at } = await before.closed;
  assert.equal(code, 1001, "the proxy closed the drained websocket with 1001 going away");
  assert.ok(at - switchedAt >= (DRAIN_TIMEOUT_S / 2) * 1000, `the websocket was kept open while draining (closed ${at - switchedAt} ms after the switch)`);

  const deployed = await deploy;
  assert.match(deployed.stdout + deployed.stderr, /finish their requests/);
  assert.equal(await echo(after, "still on v2"), "echo: still on v2", "the new release's websocket is untouched by the drain");
  after.socket.close();
  await after.closed;
});

/** An app that exits at once on SIGTERM, as a node server without a handler does: only draining saves its in-flight requests. */
const ABRUPT_APP = `import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
let started = 0;
createServer((request, response) => {
  const url = new URL(request.url, "http://app");
  const answer = () => response.writeHead(200).end("done pid=" + process.pid);
  if (url.pathname !== "/slow") return answer();
  // Tells the test this slow request reached an app.
  writeFileSync(process.env.STARTED_DIR + "/" + process.pid + "-" + ++started, "");
  setTimeout(answer, Number(url.searchParams.get("ms")));
}).listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

test("berth restart and scale-down drain: replicas leave the proxy's table and finish their requests before they stop", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-drain-restart-");
  const startedDir = tempDir(t, "berth-drain-started-");
  writeFileSync(join(cwd, "app.mjs"), ABRUPT_APP);
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: rolling
services:
  web:
    command: ${process.execPath} app.mjs
    env: { STARTED_DIR: ${startedDir} }
    replicas: 2
    health: { http: /, interval: 300ms }
proxy:
  hosts: [rolling.test]
  drain_timeout: 20s
`,
  );
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 120_000 };
  await berthOk(["up", "-d"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");
  const get = (path: string) => proxyRequest({ port: httpsPort!, host: "rolling.test", path, tls: { ca }, timeoutMs: 30_000 });
  // POSTs: a GET cut by its replica's exit would be retried on the other one, and hide the cut.
  const post = (path: string) => proxyRequest({ port: httpsPort!, host: "rolling.test", path, method: "POST", body: "order=1", tls: { ca }, timeoutMs: 30_000 });
  await waitFor(async () => (await get("/").catch(() => undefined))?.status === 200, "the app serving");
  // Slow requests on both replicas (round robin), then the operation, while fast requests keep coming.
  const slowRequests = () => Array.from({ length: 6 }, () => post("/slow?ms=2500").then((answer) => answer.status, (error: Error) => error.message));
  const load = startLoad({ port: httpsPort!, host: "rolling.test", ca, concurrency: 4 });
  t.after(() => load.stop());

  for (const operation of [["restart", "web"], ["scale", "web=1"]]) {
    const startedBefore = readdirSync(startedDir).length;
    const inFlight = slowRequests();
    await waitFor(() => readdirSync(startedDir).length >= startedBefore + 6, "the slow requests in the apps");
    const before = load.peek().requests;
    await berthOk(operation, options);
    assert.deepEqual(await Promise.all(inFlight), Array(6).fill(200), `every in-flight request finished across \`berth ${operation.join(" ")}\``);
    await waitFor(() => load.peek().requests > before + 20, "load served after the operation");
  }
  const report = await load.stop();
  assert.equal(report.failures, 0, `failed requests: ${report.failureSamples.join(" | ")}`);
  await berthOk(["down"], options);
});
