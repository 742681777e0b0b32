import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startStaticServer, type StaticTestServer } from "./static-test-server.js";

const TEXT = "0123456789abcdefghijklmnopqrstuvwxyz";
const MODIFIED = new Date("2024-05-01T12:00:00Z");

describe("static files: HTTP semantics", () => {
  let base: string;
  let root: string;
  let server: StaticTestServer;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "berth-static-files-"));
    root = join(base, "root");
    mkdirSync(root);
    const files: Record<string, string | Buffer> = {
      "notes.txt": TEXT,
      "app.css": "body { color: red }",
      "app.js": "export {};",
      "logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      "icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
      "font.woff2": Buffer.from("wOF2"),
      "blob.unknownextension": "?",
      "empty.txt": "",
      "app.3f2a1b9c8d7e.css": "hashed by Django",
      "index-BzX3k9a1.js": "hashed by Vite",
    };
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(root, name), content);
      utimesSync(join(root, name), MODIFIED, MODIFIED);
    }
    server = await startStaticServer(root, join(base, "cache"));
  });

  after(async () => {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("answers GET with the file and its validators", async () => {
    const response = await server.get("/static/notes.txt?version=3");
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), TEXT);
    assert.equal(response.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(response.headers["content-length"], String(TEXT.length));
    assert.equal(response.headers["last-modified"], MODIFIED.toUTCString());
    assert.match(response.headers.etag ?? "", /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(response.headers["accept-ranges"], "bytes");
    assert.equal(response.headers["x-content-type-options"], "nosniff");
    assert.equal(response.headers["cache-control"], "public, max-age=0, must-revalidate");
    assert.equal(response.headers.vary, "Accept-Encoding");
  });

  it("names content types from the extension", async () => {
    const expected: Record<string, string> = {
      "app.css": "text/css; charset=utf-8",
      "app.js": "text/javascript; charset=utf-8",
      "logo.png": "image/png",
      "icon.svg": "image/svg+xml",
      "font.woff2": "font/woff2",
      "blob.unknownextension": "application/octet-stream",
    };
    for (const [name, type] of Object.entries(expected)) {
      assert.equal((await server.get(`/static/${name}`)).headers["content-type"], type, name);
    }
  });

  it("varies on Accept-Encoding only for compressible types", async () => {
    assert.equal((await server.get("/static/icon.svg")).headers.vary, "Accept-Encoding");
    assert.equal((await server.get("/static/logo.png")).headers.vary, undefined);
    assert.equal((await server.get("/static/font.woff2")).headers.vary, undefined);
  });

  it("caches content-hashed names for a year", async () => {
    for (const name of ["app.3f2a1b9c8d7e.css", "index-BzX3k9a1.js"]) {
      assert.equal((await server.get(`/static/${name}`)).headers["cache-control"], "public, max-age=31536000, immutable", name);
    }
    assert.equal((await server.get("/static/app.css")).headers["cache-control"], "public, max-age=0, must-revalidate");
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const response = await server.get("/static/notes.txt", {}, "HEAD");
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-length"], String(TEXT.length));
    assert.equal(response.body.length, 0);
  });

  it("refuses other methods with 405 and Allow", async () => {
    const response = await server.get("/static/notes.txt", {}, "POST");
    assert.equal(response.status, 405);
    assert.equal(response.headers.allow, "GET, HEAD");
  });

  it("serves an empty file", async () => {
    const response = await server.get("/static/empty.txt");
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-length"], "0");
  });

  describe("conditional requests (RFC 9110 §13)", () => {
    it("answers a matching If-None-Match with a bodiless 304 that keeps the validators", async () => {
      const { headers } = await server.get("/static/notes.txt");
      const etag = headers.etag ?? "";
      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
        const response = await server.get("/static/notes.txt", { "if-none-match": ifNoneMatch });
        assert.equal(response.status, 304, ifNoneMatch);
        assert.equal(response.body.length, 0);
        assert.equal(response.headers.etag, etag);
        assert.equal(response.headers["cache-control"], headers["cache-control"]);
        assert.equal(response.headers["last-modified"], headers["last-modified"]);
      }
      assert.equal((await server.get("/static/notes.txt", { "if-none-match": '"other"' })).status, 200);
    });

    it("answers If-Modified-Since with 304 unless the file is newer", async () => {
      assert.equal((await server.get("/static/notes.txt", { "if-modified-since": MODIFIED.toUTCString() })).status, 304);
      assert.equal((await server.get("/static/notes.txt", { "if-modified-since": new Date(MODIFIED.getTime() + 60_000).toUTCString() })).status, 304);
      assert.equal((await server.get("/static/notes.txt", { "if-modified-since": new Date(MODIFIED.getTime() - 1000).toUTCString() })).status, 200);
      assert.equal((await server.get("/static/notes.txt", { "if-modified-since": "not a date" })).status, 200);
    });

    it("ignores If-Modified-Since when If-None-Match is present", async () => {
      const response = await server.get("/static/notes.txt", { "if-none-match": '"other"', "if-modified-since": MODIFIED.toUTCString() });
      assert.equal(response.status, 200);
    });

    it("answers a failed If-Match with 412", async () => {
      assert.equal((await server.get("/static/notes.txt", { "if-match": '"other"' })).status, 412);
    });

    it("serves a changed file fresh, with a new ETag", async () => {
      writeFileSync(join(root, "changing.txt"), "first");
      const first = await server.get("/static/changing.txt");
      writeFileSync(join(root, "changing.txt"), "second version");
      const second = await server.get("/static/changing.txt", { "if-none-match": first.headers.etag ?? "" });
      assert.equal(second.status, 200);
      assert.equal(second.body.toString(), "second version");
      assert.notEqual(second.headers.etag, first.headers.etag);
    });
  });

  describe("ranges (RFC 9110 §14)", () => {
    it("answers a single range with 206 and Content-Range", async () => {
      const cases: [string, string, string][] = [
        ["bytes=0-4", "01234", "bytes 0-4/36"],
        ["bytes=30-", "uvwxyz", "bytes 30-35/36"],
        ["bytes=-3", "xyz", "bytes 33-35/36"],
        ["bytes=34-1000", "yz", "bytes 34-35/36"],
        ["bytes=-1000", TEXT, "bytes 0-35/36"],
      ];
      for (const [range, body, contentRange] of cases) {
        const response = await server.get("/static/notes.txt", { range });
        assert.equal(response.status, 206, range);
        assert.equal(response.body.toString(), body, range);
        assert.equal(response.headers["content-range"], contentRange, range);
        assert.equal(response.headers["content-length"], String(body.length), range);
      }
    });

    it("answers an unsatisfiable range with 416 and the size", async () => {
      for (const range of ["bytes=36-", "bytes=1000-2000", "bytes=-0"]) {
        const response = await server.get("/static/notes.txt", { range });
        assert.equal(response.status, 416, range);
        assert.equal(response.headers["content-range"], "bytes */36", range);
      }
    });

    it("sends the whole file for several ranges or a range it cannot read", async () => {
      for (const range of ["bytes=0-1,5-6", "bytes=5-2", "items=0-1", "bytes=abc"]) {
        const response = await server.get("/static/notes.txt", { range });
        assert.equal(response.status, 200, range);
        assert.equal(response.body.toString(), TEXT, range);
      }
    });

    it("honours If-Range with an ETag or a date", async () => {
      const { headers } = await server.get("/static/notes.txt");
      const partial = [headers.etag ?? "", headers["last-modified"] ?? ""];
      const whole = ['"stale"', `W/${headers.etag}`, new Date(MODIFIED.getTime() - 1000).toUTCString()];
      for (const ifRange of partial) assert.equal((await server.get("/static/notes.txt", { range: "bytes=0-1", "if-range": ifRange })).status, 206, ifRange);
      for (const ifRange of whole) assert.equal((await server.get("/static/notes.txt", { range: "bytes=0-1", "if-range": ifRange })).status, 200, ifRange);
    });

    it("ignores Range on HEAD", async () => {
      const response = await server.get("/static/notes.txt", { range: "bytes=0-1" }, "HEAD");
      assert.equal(response.status, 200);
      assert.equal(response.headers["content-length"], String(TEXT.length));
    });
  });
});
