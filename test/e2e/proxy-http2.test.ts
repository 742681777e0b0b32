import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { join } from "node:path";
import WebSocket from "ws";
import { berthOk, FIXTURES, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");

interface Http2Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function http2Request(session: ClientHttp2Session, headers: Record<string, string>, body?: Buffer): Promise<Http2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let responseHeaders: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (received) => (responseHeaders = received));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve({ status: Number(responseHeaders[":status"]), headers: responseHeaders, text: Buffer.concat(chunks).toString() }));
    stream.on("error", reject);
    if (body !== undefined) stream.end(body);
  });
}

test("HTTP/2 over TLS: ALPN h2 for clients that offer it, HTTP/1.1 for the rest, websockets on HTTP/1.1", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-h2-");
  mkdirSync(join(cwd, "public"));
  writeFileSync(join(cwd, "public", "site.css"), "body { margin: 0 }\n".repeat(100));
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: multiplexed
services:
  web:
    command: ${process.execPath} ${STREAM_APP}
    replicas: 2
    health: { http: /health, interval: 500ms }
proxy:
  hosts: [h2.test]
  static: { /static/: public }
  hsts: true
`,
  );
  const [httpPort, httpsPort] = await freePorts(2);
  await berthOk(["up", "-d"], { home, cwd, env: proxyEnv(httpPort!, httpsPort!) });
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");
  await waitFor(async () => (await proxyRequest({ port: httpsPort!, host: "h2.test", path: "/", tls: { ca } })).status === 200, "served over HTTP/1.1");

  const session = connect(`https://127.0.0.1:${httpsPort}`, { ca, servername: "h2.test" });
  t.after(() => session.close());
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  assert.equal(session.alpnProtocol, "h2", "the proxy chose HTTP/2 by ALPN");

  const authority = { ":authority": "h2.test", ":scheme": "https" };
  const home200 = await http2Request(session, { ...authority, ":path": "/" });
  assert.equal(home200.status, 200);
  assert.match(home200.text, /^hello from v1/);
  assert.match(String(home200.headers["strict-transport-security"]), /max-age=/);

  // Several streams at once on the one connection.
  const parallel = await Promise.all(Array.from({ length: 8 }, () => http2Request(session, { ...authority, ":path": "/headers" })));
  for (const answer of parallel) {
    const seen = JSON.parse(answer.text) as Record<string, string>;
    assert.equal(seen.host, "h2.test", "the app gets a Host header from :authority");
    assert.equal(seen["x-forwarded-proto"], "https");
    assert.ok(!Object.keys(seen).some((name) => name.startsWith(":")), "no pseudo-header reaches the app");
  }

  const upload = await http2Request(session, { ...authority, ":method": "POST", ":path": "/upload" }, Buffer.alloc(300_000, 7));
  assert.deepEqual(JSON.parse(upload.text), { bytes: 300_000 });

  const css = await http2Request(session, { ...authority, ":path": "/static/site.css" });
  assert.equal(css.status, 200);
  assert.equal(css.text.length, "body { margin: 0 }\n".length * 100);

  assert.equal((await http2Request(session, { ":authority": "other.test", ":scheme": "https", ":path": "/" })).status, 421);
  assert.equal((await http2Request(session, { ...authority, ":path": "/static/missing.css" })).status, 404);

  const socket = new WebSocket(`wss://127.0.0.1:${httpsPort}/socket`, { headers: { host: "h2.test" }, servername: "h2.test", ca } as WebSocket.ClientOptions);
  const reply = await new Promise<string>((resolve, reject) => {
    socket.once("open", () => socket.send("over HTTP/1.1"));
    socket.once("message", (data) => resolve(String(data)));
    socket.once("error", reject);
  });
  assert.equal(reply, "echo: over HTTP/1.1");
  socket.close();
});
