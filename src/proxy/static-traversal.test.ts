import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startStaticServer, type StaticTestServer } from "./static-test-server.js";

// Every request below tries to read something that is not a public file of the mount. The
// secrets sit right beside the mount directory, where a one-level escape would land.

const SECRET = "TOP-SECRET-CONTENT";

const TRAVERSAL_PATHS = [
  "../secret",
  "..%2fsecret",
  "..%2Fsecret",
  "%2e%2e/secret",
  "%2E%2E/secret",
  "%2e%2e%2fsecret",
  "%2e./secret",
  ".%2e/secret",
  "..%5csecret",
  "..\\secret",
  "sub\\..\\..\\secret",
  "sub%5c..%5c..%5csecret",
  "....//secret",
  "..../secret",
  "%252e%252e/secret",
  "%252e%252e%252fsecret",
  "..%252fsecret",
  "..%255csecret",
  "..;/secret",
  "/%2e%2e/%2e%2e/etc/passwd",
  "/../secret",
  "%c0%ae%c0%ae/secret",
  "%C0%AE%C0%AE%C0%AFsecret",
  "..%c0%afsecret",
  "%e0%80%ae%e0%80%ae/secret",
  "%u002e%u002e/secret",
  "secret%00",
  "..%00/secret",
  "public.txt%00/../../secret",
  "/etc/passwd",
  "%2fetc%2fpasswd",
  "//etc/passwd",
  "file:///etc/passwd",
  "sub/../../secret",
  "sub/%2e%2e/%2e%2e/secret",
  "sub/./../../secret",
  "./../secret",
  "~/../secret",
  "%E2%80%A4%E2%80%A4/secret",
  "%EF%BC%8E%EF%BC%8E/secret",
  "%EF%BC%8E%EF%BC%8E%EF%BC%8Fsecret",
  "escape-link",
  "chained-link",
  "escape-dir/secret.txt",
  "parent-link/secret",
  "parent-link/outside/secret.txt",
  ".env",
  "%2eenv",
  ".git/config",
  "%2egit/config",
  "sub/.hidden",
  ".",
  "..",
  "%2e",
  "",
  "sub",
  "sub/",
  "fifo",
];

describe("static files: path traversal", () => {
  let base: string;
  let server: StaticTestServer;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "berth-static-traversal-"));
    const root = join(base, "root");
    mkdirSync(join(root, "sub"), { recursive: true });
    mkdirSync(join(root, ".git"));
    mkdirSync(join(base, "outside"));
    writeFileSync(join(base, "secret"), SECRET);
    writeFileSync(join(base, "outside", "secret.txt"), SECRET);
    writeFileSync(join(root, "public.txt"), "public");
    writeFileSync(join(root, "sub", "file.txt"), "in sub");
    writeFileSync(join(root, "sub", ".hidden"), SECRET);
    writeFileSync(join(root, ".env"), SECRET);
    writeFileSync(join(root, ".git", "config"), SECRET);
    writeFileSync(join(root, "%2e%2e"), "a file literally named %2e%2e");
    symlinkSync(join(base, "secret"), join(root, "escape-link"));
    symlinkSync("escape-link", join(root, "chained-link"));
    symlinkSync(join(base, "outside"), join(root, "escape-dir"));
    symlinkSync("..", join(root, "parent-link"));
    symlinkSync("public.txt", join(root, "inside-link"));
    symlinkSync("sub", join(root, "inside-dir-link"));
    tryMakeFifo(join(root, "fifo"));
    server = await startStaticServer(root, join(base, "cache"));
  });

  after(async () => {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  });

  for (const path of TRAVERSAL_PATHS) {
    it(`refuses /static/${path}`, async () => {
      const response = await server.get(`/static/${path}`);
      assert.ok(response.status === 404 || response.status === 400, `answered ${response.status}`);
      const body = response.body.toString("latin1");
      assert.ok(!body.includes(SECRET) && !body.includes("root:"), "revealed a secret");
    });
  }

  it("decodes percent-encoding exactly once", async () => {
    const response = await server.get("/static/%252e%252e");
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), "a file literally named %2e%2e");
  });

  it("serves ordinary, encoded and in-directory symlinked files", async () => {
    for (const [path, content] of [
      ["public.txt", "public"],
      ["%70ublic.txt", "public"],
      ["sub/file.txt", "in sub"],
      ["inside-link", "public"],
      ["inside-dir-link/file.txt", "in sub"],
    ] as const) {
      const response = await server.get(`/static/${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.body.toString(), content, path);
    }
  });
});

describe("static files: a directory swapped for a symlink while requests run", () => {
  it("never serves a file from outside the root (TOCTOU between check and open)", async () => {
    const base = mkdtempSync(join(tmpdir(), "berth-static-swap-"));
    const root = join(base, "root");
    mkdirSync(join(root, "d"), { recursive: true });
    writeFileSync(join(root, "d", "passwd"), "inside");
    symlinkSync("/etc", join(base, "link"));
    const server = await startStaticServer(root, join(base, "cache"));
    // A separate process, so the swaps race the proxy's file system calls for real.
    const swapper = spawn(process.execPath, ["-e", swapLoop(join(root, "d"), join(base, "parked"), join(base, "link"))], { stdio: "ignore" });
    try {
      const counts = await requestConcurrently(server, "/static/d/passwd", 4000, 16);
      assert.equal(counts.outside, 0, `${counts.outside} responses came from outside the root`);
      assert.ok(counts.inside > 0, "some requests were served while the directory was in place");
      assert.ok(counts.notFound > 0, "the swaps raced the requests");
      assert.equal(counts.inside + counts.notFound, 4000);
    } finally {
      swapper.kill("SIGKILL");
      await server.close();
      rmSync(base, { recursive: true, force: true });
    }
  });
});

/** Source of a loop that turns `path` from a directory into a symlink to /etc and back, forever. */
function swapLoop(path: string, parked: string, link: string): string {
  const [p, x, l] = [path, parked, link].map((item) => JSON.stringify(item));
  return `const fs = require("node:fs"); for (;;) { fs.renameSync(${p}, ${x}); fs.renameSync(${l}, ${p}); fs.renameSync(${p}, ${l}); fs.renameSync(${x}, ${p}); }`;
}

async function requestConcurrently(server: StaticTestServer, path: string, total: number, concurrency: number) {
  const counts = { inside: 0, outside: 0, notFound: 0 };
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started += 1;
      const response = await server.get(path);
      const body = response.body.toString("latin1");
      if (response.status === 200 && body === "inside") counts.inside += 1;
      else if (response.status === 404) counts.notFound += 1;
      else counts.outside += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/** A FIFO must not hang the server; where mkfifo is missing the path simply does not exist. */
function tryMakeFifo(path: string): void {
  try {
    execFileSync("mkfifo", [path]);
  } catch {}
}
