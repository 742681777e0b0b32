import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { forwardRequest } from "./forward.js";
import type { ProxyLimits } from "./types.js";
import { Upstreams } from "./upstreams.js";

// forwardRequest between real loopback servers: a client, a proxy server calling it, and an app.

const LIMITS: ProxyLimits = { maxBodyBytes: 1024 * 1024, upstreamTimeoutMs: 10_000, drainTimeoutMs: 0, bodyIdleTimeoutMs: 1000 };
const LARGE = Buffer.alloc(16 * 1024 * 1024, 120);

describe("forwardRequest", () => {
  let app: Server;
  let proxy: Server;
  let refusedPort: number;
  const abortedBodies: string[] = [];
  /** What the access log would be told, by path. */
  const finished = new Map<string, { status: number; bodyBytes: number | undefined }>();
  const upstreams = new Upstreams();

  before(async () => {
    app = createServer((incoming, outgoing) => {
      if (incoming.url === "/hang") return; // never answers
      if (incoming.url === "/hints") {
        outgoing.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
        outgoing.writeHead(200, { "content-type": "text/plain" }).end("final");
        return;
      }
      if (incoming.url === "/large") {
        outgoing.writeHead(200, { "content-length": LARGE.length }).end(LARGE);
        return;
      }
      let bytes = 0;
      let ended = false;
      incoming.on("data", (chunk: Buffer) => (bytes += chunk.length));
      incoming.on("end", () => {
        ended = true;
        outgoing.writeHead(200).end(`${incoming.method} ${bytes}`);
      });
      incoming.on("close", () => {
        if (!ended) abortedBodies.push(incoming.url ?? "");
      });
    });
    // A port nothing listens on: a replica that was just killed.
    const closed = createServer();
    refusedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const appPort = await listen(app);
    proxy = createServer((incoming, outgoing) => {
      forwardRequest(incoming, outgoing, {
        upstreams,
        pool: "pool",
        headers: incoming.rawHeaders.slice(),
        limits: incoming.url === "/hang" ? { ...LIMITS, upstreamTimeoutMs: 500 } : LIMITS,
        requestId: "test",
        responseHeaders: [],
        onFinish: (status, _upstream, bodyBytes) => finished.set(incoming.url ?? "", { status, bodyBytes }),
      });
    });
    await listen(proxy);
    // The refused target comes first in round robin, so every request starts there.
    upstreams.switchTo({ pool: [{ host: "127.0.0.1", port: refusedPort }, { host: "127.0.0.1", port: appPort }] }, 0);
  });

  after(async () => {
    proxy.closeAllConnections();
    app.closeAllConnections();
    await Promise.all([new Promise((resolve) => proxy.close(resolve)), new Promise((resolve) => app.close(resolve))]);
  });

  it("retries a POST with a body on another replica when the connection was refused", async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await send(port(proxy), "POST", "/upload", (outgoing) => outgoing.end(Buffer.alloc(5000, 1)));
      assert.deepEqual(answer, { status: 200, body: "POST 5000" });
    }
  });

  it("answers 408 to a body that stalls between two reads, and aborts the upstream request", async () => {
    const startedAt = performance.now();
    const answer = await send(port(proxy), "POST", "/stalled", (outgoing) => {
      outgoing.setHeader("content-length", 1000);
      outgoing.write(Buffer.alloc(10, 1));
    });
    assert.equal(answer.status, 408);
    assert.ok(performance.now() - startedAt >= 900, "408 came before the idle timeout");
    await waitUntil(() => abortedBodies.includes("/stalled"));
  });

  it("does not cut a slow body that keeps arriving", async () => {
    const answer = await send(port(proxy), "POST", "/slow", (outgoing) => {
      outgoing.setHeader("content-length", 5);
      let sent = 0;
      const timer = setInterval(() => {
        outgoing.write("x");
        if (++sent === 5) {
          clearInterval(timer);
          outgoing.end();
        }
      }, 200);
    });
    assert.deepEqual(answer, { status: 200, body: "POST 5" });
  });

  it("answers 504 when the app sends no response headers within upstream_timeout", async () => {
    const startedAt = performance.now();
    const answer = await send(port(proxy), "GET", "/hang", (outgoing) => outgoing.end());
    assert.equal(answer.status, 504);
    assert.ok(performance.now() - startedAt >= 450, "504 came before the timeout");
  });

  it("passes on the final answer, not a 103 Early Hints before it", async () => {
    const answer = await send(port(proxy), "GET", "/hints", (outgoing) => outgoing.end());
    assert.deepEqual(answer, { status: 200, body: "final" });
  });

  it("streams a large answer whole to a client that reads slowly", async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const outgoing = request({ host: "127.0.0.1", port: port(proxy), path: "/large", agent: false }, (incoming) => {
        let bytes = 0;
        incoming.pause();
        // The proxy has to hold the app back while the client does not read.
        setTimeout(() => incoming.resume(), 300);
        incoming.on("data", (chunk: Buffer) => (bytes += chunk.length));
        incoming.on("end", () => resolve(bytes));
        incoming.on("error", reject);
      });
      outgoing.on("error", reject);
      outgoing.end();
    });
    assert.equal(received, LARGE.length);
    // The access log counts the body as relayed, not the (absent from undici's raw list) header object's length.
    assert.deepEqual(finished.get("/large"), { status: 200, bodyBytes: LARGE.length });
  });
});

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(port(server))));
}

function send(proxyPort: number, method: string, path: string, writeBody: (outgoing: ReturnType<typeof request>) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: proxyPort, method, path, agent: false }, (incoming: IncomingMessage) => {
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => (body += chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body: incoming.statusCode === 200 ? body : "" }));
    });
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error("no answer within 10 s")));
    outgoing.on("error", reject);
    writeBody(outgoing);
  });
}

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
