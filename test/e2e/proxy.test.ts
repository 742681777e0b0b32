import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { Readable } from "node:stream";
import WebSocket from "ws";
import { berthJson, berthOk, FIXTURES, makeHome, waitFor, type PsRow, tempDir } from "../helpers/berth-cli.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");
const HASHED_CSS = "app.3f2a1b9c8d7e.css";

interface ProxiedStack {
  home: string;
  cwd: string;
  env: Record<string, string>;
  httpPort: number;
  httpsPort: number;
  ca: string;
}

async function startProxiedStack(t: import("node:test").TestContext): Promise<ProxiedStack> {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-proxy-");
  mkdirSync(join(cwd, "public", "css"), { recursive: true });
  writeFileSync(join(cwd, "public", "css", HASHED_CSS), "body { color: #123456; }\n".repeat(200));
  writeFileSync(join(cwd, "public", "plain.txt"), "plain text\n");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: proxied
services:
  web:
    command: ${process.execPath} ${STREAM_APP}
    replicas: 2
    health: { http: /health, interval: 500ms }
proxy:
  hosts: [app.test]
  static: { /static/: public }
  tls: self-signed
  hsts: true
  max_body_size: 10MB
`,
  );
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);
  await berthOk(["up", "-d"], { home, cwd, env });
  await waitFor(async () => {
    const rows = await berthJson<PsRow[]>(["ps"], { home, cwd, env });
    return rows.every((row) => row.health === "healthy");
  }, "healthy replicas");
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");
  return { home, cwd, env, httpPort: httpPort!, httpsPort: httpsPort!, ca };
}

test("the proxy serves a stack over HTTPS with berth's CA: routing, redirects, 421, forwarded headers, static files, limits", async (t) => {
  const stack = await startProxiedStack(t);
  const tls = { ca: stack.ca };
  const https = (path: string, extra: Partial<Parameters<typeof proxyRequest>[0]> = {}) =>
    proxyRequest({ port: stack.httpsPort, host: "app.test", path, tls, ...extra });

  const home = await waitFor(async () => {
    const answer = await https("/");
    return answer.status === 200 ? answer : undefined;
  }, "the app through the proxy");
  assert.match(home.text, /^hello from v1/);
  assert.match(String(home.headers["strict-transport-security"]), /max-age=31536000/);
  assert.match(String(home.headers["x-request-id"]), /^[0-9a-f-]{36}$/);

  const pids = new Set<string>();
  for (let i = 0; i < 6; i++) pids.add((await https("/")).text.match(/pid=(\d+)/)![1]!);
  assert.equal(pids.size, 2, "requests are balanced over both replicas");

  const plain = await proxyRequest({ port: stack.httpPort, host: "app.test", path: "/x?y=1" });
  assert.equal(plain.status, 308);
  assert.equal(plain.headers.location, `https://app.test:${stack.httpsPort}/x?y=1`);
  assert.equal((await https("/", { headers: { host: "evil.test" } })).status, 421);

  const echoed = JSON.parse(
    (await https("/headers", { headers: { "x-forwarded-for": "6.6.6.6", connection: "keep-alive, x-hop", "x-hop": "secret", te: "trailers" } })).text,
  ) as Record<string, string>;
  assert.equal(echoed["x-forwarded-for"], "127.0.0.1", "a client-sent X-Forwarded-For is replaced");
  assert.equal(echoed["x-forwarded-proto"], "https");
  assert.equal(echoed["x-forwarded-host"], "app.test");
  assert.match(echoed.forwarded!, /^for=127\.0\.0\.1;host=app\.test;proto=https$/);
  assert.match(echoed["x-request-id"]!, /^[0-9a-f-]{36}$/);
  assert.equal(echoed["x-hop"], undefined, "headers named in Connection are hop-by-hop");
  assert.equal(echoed.te, undefined);

  const css = await https(`/static/css/${HASHED_CSS}`, { headers: { "accept-encoding": "br, gzip" } });
  assert.equal(css.status, 200);
  assert.match(String(css.headers["content-type"]), /^text\/css/);
  assert.match(String(css.headers["cache-control"]), /immutable/);
  const revalidated = await https(`/static/css/${HASHED_CSS}`, { headers: { "if-none-match": String(css.headers.etag) } });
  assert.equal(revalidated.status, 304);
  assert.match(String((await https("/static/plain.txt")).headers["cache-control"]), /must-revalidate/);
  assert.equal((await https("/static/../berth.yml")).status, 404);

  const upload = await https("/upload", { method: "POST", body: Readable.from(chunks(64 * 1024, 80)) });
  assert.deepEqual(JSON.parse(upload.text), { bytes: 64 * 1024 * 80 });
  const tooBig = await https("/upload", { method: "POST", headers: { "content-length": String(2 * 1024 ** 3) }, body: "x" });
  assert.equal(tooBig.status, 413);
  const chunkedTooBig = await https("/upload", { method: "POST", body: Readable.from(chunks(1024 * 1024, 12)) }).catch((error: Error) => error);
  assert.ok(chunkedTooBig instanceof Error || chunkedTooBig.status === 413, "a chunked body over the limit is cut off");

  const log = await waitFor(() => {
    const lines = readFileSync(join(stack.home, "stacks", "proxied", "logs", "access.log"), "utf8").trim().split("\n");
    return lines.length >= 10 ? lines : undefined;
  }, "access log lines");
  const record = JSON.parse(log[0]!) as Record<string, unknown>;
  assert.equal(record.host, "app.test");
  assert.equal(typeof record.requestId, "string");
  const homeRecord = log.map((line) => JSON.parse(line) as Record<string, unknown>).find((each) => each.requestId === home.headers["x-request-id"]);
  assert.deepEqual({ status: homeRecord?.status, bytes: homeRecord?.bytes }, { status: 200, bytes: Buffer.byteLength(home.text) }, "the app's body as relayed");
});

test("server-sent events stream through the proxy unbuffered, websockets echo, and no ready replica gives a clear 503", async (t) => {
  const stack = await startProxiedStack(t);
  await waitFor(async () => (await proxyRequest({ port: stack.httpsPort, host: "app.test", path: "/", tls: { ca: stack.ca } })).status === 200, "proxy up");

  const arrivals = await new Promise<{ firstEventBeforeEnd: boolean; chunks: number }>((resolve, reject) => {
    const request = httpsRequest(
      { host: "127.0.0.1", port: stack.httpsPort, path: "/events", servername: "app.test", headers: { host: "app.test" }, ca: stack.ca },
      (response) => {
        let chunkCount = 0;
        let sawFirstWhileOpen = false;
        response.on("data", (chunk: Buffer) => {
          chunkCount += 1;
          if (chunk.toString().includes("event-0") && !response.complete) sawFirstWhileOpen = true;
        });
        response.on("end", () => resolve({ firstEventBeforeEnd: sawFirstWhileOpen, chunks: chunkCount }));
      },
    );
    request.on("error", reject);
    request.end();
  });
  assert.ok(arrivals.firstEventBeforeEnd, "the first event arrived while the stream was still open");
  assert.ok(arrivals.chunks >= 3, `events arrived one by one (${arrivals.chunks} chunks)`);

  // servername (SNI) is passed through to tls.connect by ws, though its option type does not list it.
  const socketOptions = { headers: { host: "app.test" }, servername: "app.test", ca: stack.ca } as WebSocket.ClientOptions;
  const socket = new WebSocket(`wss://127.0.0.1:${stack.httpsPort}/socket`, socketOptions);
  const reply = await new Promise<string>((resolve, reject) => {
    socket.once("open", () => socket.send("ping through berth"));
    socket.once("message", (data) => resolve(String(data)));
    socket.once("error", reject);
  });
  assert.equal(reply, "echo: ping through berth");
  socket.close();

  await berthOk(["scale", "web=0"], { home: stack.home, cwd: stack.cwd, env: stack.env });
  const unavailable = await waitFor(async () => {
    const answer = await proxyRequest({ port: stack.httpsPort, host: "app.test", path: "/", tls: { ca: stack.ca } });
    return answer.status === 503 ? answer : undefined;
  }, "503 without replicas");
  assert.match(unavailable.text, /No instance of the application is ready/);
  assert.equal(unavailable.headers["retry-after"], "2");
});

function* chunks(size: number, count: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, i % 256);
}
