import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { berthOk, FIXTURES, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
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
