import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { startStaticServer, type StaticTestServer, type TestResponse } from "./static-test-server.js";

const STYLESHEET = ".button { color: red; padding: 4px 8px; }\n".repeat(200);
const SCRIPT = "export function greet(name) { return `hello ${name}`; }\n".repeat(100);
const BOTH = "br, gzip";

describe("static files: precompressed gzip and brotli", () => {
  let base: string;
  let root: string;
  let cacheDir: string;
  let server: StaticTestServer;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "berth-static-precompress-"));
    root = join(base, "root");
    cacheDir = join(base, "cache");
    mkdirSync(root);
    writeFileSync(join(root, "app.css"), STYLESHEET);
    writeFileSync(join(root, "built.js"), SCRIPT);
    writeFileSync(join(root, "built.js.br"), brotliCompressSync(SCRIPT));
    writeFileSync(join(root, "built.js.gz"), gzipSync(SCRIPT));
    writeFileSync(join(root, "tiny.css"), "a{}");
    writeFileSync(join(root, "noise.txt"), randomBytes(4096));
    writeFileSync(join(root, "photo.png"), Buffer.alloc(4096));
    server = await startStaticServer(root, cacheDir);
  });

  after(async () => {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  });

  /** Asks once so the variants get made, waits for the background job, and lists the cache. */
  async function warm(path: string): Promise<string[]> {
    await server.get(path, { "accept-encoding": BOTH });
    await server.files.whenPrecompressionIdle();
    return cachedVariants();
  }

  function cachedVariants(): string[] {
    if (!existsSync(cacheDir)) return [];
    return readdirSync(cacheDir).flatMap((entry) => readdirSync(join(cacheDir, entry)).map((name) => join(cacheDir, entry, name)));
  }

  it("serves identity while the variants are made in the background, then brotli and gzip", async () => {
    const first = await server.get("/static/app.css", { "accept-encoding": BOTH });
    assert.equal(first.headers["content-encoding"], undefined);
    assert.equal(first.body.toString(), STYLESHEET);
    // Requests racing the background job get identity or a finished variant, never a partial one.
    const racing = await Promise.all(Array.from({ length: 20 }, () => server.get("/static/app.css", { "accept-encoding": BOTH })));
    for (const response of racing) assert.equal(decode(response).toString(), STYLESHEET);
    await server.files.whenPrecompressionIdle();

    const brotli = await server.get("/static/app.css", { "accept-encoding": BOTH });
    assert.equal(brotli.headers["content-encoding"], "br");
    assert.equal(brotli.headers.vary, "Accept-Encoding");
    assert.equal(Number(brotli.headers["content-length"]), brotli.body.length);
    assert.ok(brotli.body.length < STYLESHEET.length / 10);
    assert.equal(brotliDecompressSync(brotli.body).toString(), STYLESHEET);

    const gzip = await server.get("/static/app.css", { "accept-encoding": "gzip" });
    assert.equal(gzip.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(gzip.body).toString(), STYLESHEET);

    const identity = await server.get("/static/app.css");
    assert.notEqual(brotli.headers.etag, gzip.headers.etag);
    assert.notEqual(brotli.headers.etag, identity.headers.etag);
    assert.equal((await server.get("/static/app.css", { "accept-encoding": "br", "if-none-match": brotli.headers.etag ?? "" })).status, 304);
  });

  it("compresses each file version once, however often it is asked for", async () => {
    const variants = await warm("/static/app.css");
    assert.deepEqual(variants.map((path) => path.slice(path.lastIndexOf("."))).sort(), [".br", ".gz"]);
    const before = variants.map((path) => statSync(path));
    for (let index = 0; index < 10; index += 1) await server.get("/static/app.css", { "accept-encoding": BOTH });
    await server.files.whenPrecompressionIdle();
    assert.deepEqual(cachedVariants(), variants);
    const afterwards = variants.map((path) => statSync(path));
    assert.deepEqual(
      afterwards.map((stats) => [stats.ino, stats.mtimeMs]),
      before.map((stats) => [stats.ino, stats.mtimeMs]),
    );
  });

  it("never serves a stale variant after the file changes, and replaces it", async () => {
    const oldVariants = await warm("/static/app.css");
    const edited = STYLESHEET.replaceAll("red", "blue");
    writeFileSync(join(root, "app.css"), edited);
    const fresh = await server.get("/static/app.css", { "accept-encoding": BOTH });
    assert.equal(fresh.headers["content-encoding"], undefined);
    assert.equal(fresh.body.toString(), edited);

    await server.files.whenPrecompressionIdle();
    const newVariants = cachedVariants();
    assert.equal(newVariants.length, 2);
    for (const path of oldVariants) assert.ok(!newVariants.includes(path), `${path} was not removed`);
    const brotli = await server.get("/static/app.css", { "accept-encoding": "br" });
    assert.equal(brotliDecompressSync(brotli.body).toString(), edited);
  });

  it("uses .br and .gz files written beside the original, without compressing", async () => {
    const brotli = await server.get("/static/built.js", { "accept-encoding": BOTH });
    assert.equal(brotli.headers["content-encoding"], "br");
    assert.equal(brotliDecompressSync(brotli.body).toString(), SCRIPT);
    const gzip = await server.get("/static/built.js", { "accept-encoding": "gzip, deflate" });
    assert.equal(gzip.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(gzip.body).toString(), SCRIPT);
    assert.equal(brotli.headers["content-type"], "text/javascript; charset=utf-8");
  });

  it("ignores a variant beside the file that is older than the file", async () => {
    const past = new Date(Date.now() - 3_600_000);
    writeFileSync(join(root, "old.js"), SCRIPT);
    writeFileSync(join(root, "old.js.br"), brotliCompressSync("stale content"));
    utimesSync(join(root, "old.js.br"), past, past);
    const response = await server.get("/static/old.js", { "accept-encoding": "br" });
    assert.equal(response.headers["content-encoding"], undefined);
    assert.equal(response.body.toString(), SCRIPT);
  });

  it("respects q=0 and prefers brotli", async () => {
    await warm("/static/app.css");
    const cases: [string, string | undefined][] = [
      ["gzip, br", "br"],
      ["br;q=0, gzip", "gzip"],
      ["br;q=0.5, gzip;q=0.8", "gzip"],
      ["gzip;q=0", undefined],
      ["*", "br"],
      ["*;q=0", undefined],
      ["br;q=0, *", "gzip"],
      ["x-gzip", "gzip"],
      ["identity", undefined],
      ["deflate", undefined],
    ];
    for (const [acceptEncoding, coding] of cases) {
      const response = await server.get("/static/app.css", { "accept-encoding": acceptEncoding });
      assert.equal(response.headers["content-encoding"], coding, acceptEncoding);
    }
  });

  it("answers a Range request from the identity file only", async () => {
    await warm("/static/built.js");
    const response = await server.get("/static/built.js", { "accept-encoding": BOTH, range: "bytes=0-5" });
    assert.equal(response.status, 206);
    assert.equal(response.headers["content-encoding"], undefined);
    assert.equal(response.body.toString(), SCRIPT.slice(0, 6));
  });

  it("leaves small, incompressible and binary files alone", async () => {
    for (const path of ["/static/tiny.css", "/static/noise.txt", "/static/photo.png"]) {
      await warm(path);
      const response = await server.get(path, { "accept-encoding": BOTH });
      assert.equal(response.headers["content-encoding"], undefined, path);
    }
    assert.equal((await server.get("/static/photo.png")).headers.vary, undefined);
  });

  it("answers HEAD for a variant with the variant's length", async () => {
    await warm("/static/app.css");
    const get = await server.get("/static/app.css", { "accept-encoding": "br" });
    const head = await server.get("/static/app.css", { "accept-encoding": "br" }, "HEAD");
    assert.equal(head.headers["content-encoding"], "br");
    assert.equal(head.headers["content-length"], String(get.body.length));
    assert.equal(head.body.length, 0);
  });
});

function decode(response: TestResponse): Buffer {
  const coding = response.headers["content-encoding"];
  if (coding === "br") return brotliDecompressSync(response.body);
  if (coding === "gzip") return gunzipSync(response.body);
  return response.body;
}
