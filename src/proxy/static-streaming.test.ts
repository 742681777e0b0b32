import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { Agent, get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { startStaticServer, type StaticTestServer } from "./static-test-server.js";

const LARGE_BYTES = 32 * 1024 * 1024;

describe("static files: streaming", () => {
  let base: string;
  let root: string;
  let server: StaticTestServer;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "berth-static-streaming-"));
    root = join(base, "root");
    mkdirSync(root);
    writeFileSync(join(root, "large.bin"), Buffer.alloc(LARGE_BYTES, 7));
    server = await startStaticServer(root, join(base, "cache"));
  });

  after(async () => {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("streams a large file whole", async () => {
    const response = await server.get("/static/large.bin");
    assert.equal(response.status, 200);
    assert.equal(response.body.length, LARGE_BYTES);
  });

  it("closes the file and finishes the call when the client goes away mid-body", async () => {
    const openFiles = () => (existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : 0);
    const baseline = openFiles();
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await new Promise<void>((resolve, reject) => {
        const request = get({ host: "127.0.0.1", port: server.port, path: "/static/large.bin", agent: false }, (response) => {
          response.once("data", () => {
            request.destroy();
            resolve();
          });
        });
        request.on("error", (error) => (request.destroyed ? undefined : reject(error)));
      });
    }
    await waitFor(() => server.servesInProgress() === 0 && openFiles() <= baseline);
    assert.equal(server.servesInProgress(), 0);
    if (baseline > 0) assert.ok(openFiles() <= baseline, "file descriptors leaked");
  });

  it("breaks the connection instead of sending a short body when the file shrinks in place", async () => {
    writeFileSync(join(root, "shrinking.bin"), Buffer.alloc(LARGE_BYTES, 1));
    // Keep-alive, so only the server breaking the connection can tell the client the body is short.
    const agent = new Agent({ keepAlive: true });
    const outcome = await new Promise<string>((resolve) => {
      setTimeout(() => resolve("stalled waiting for the promised bytes"), 3000).unref();
      const request = get({ host: "127.0.0.1", port: server.port, path: "/static/shrinking.bin", agent }, (response) => {
        truncateSync(join(root, "shrinking.bin"), 1000);
        let received = 0;
        response.on("data", (chunk: Buffer) => (received += chunk.length));
        response.on("end", () => resolve(`complete after ${received} bytes`));
        response.on("aborted", () => resolve("aborted"));
        response.on("error", () => resolve("aborted"));
      });
      request.on("error", () => resolve("aborted"));
    });
    agent.destroy();
    assert.equal(outcome, "aborted");
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(20);
}
