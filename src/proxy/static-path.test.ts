import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { closeFile } from "./static-open-file.js";
import { decodeStaticPath, MountDirectory } from "./static-path.js";

async function openedPath(mount: MountDirectory, segments: string[]): Promise<string | null> {
  const opened = await mount.openInside(segments);
  if (opened === null) return null;
  closeFile(opened.file);
  return opened.realPath;
}

describe("decodeStaticPath", () => {
  it("decodes each segment once", () => {
    assert.deepEqual(decodeStaticPath("css/app.css"), ["css", "app.css"]);
    assert.deepEqual(decodeStaticPath("my%20file.txt"), ["my file.txt"]);
    assert.deepEqual(decodeStaticPath("%252e%252e"), ["%2e%2e"]);
    assert.deepEqual(decodeStaticPath("caf%C3%A9.txt"), ["café.txt"]);
    assert.deepEqual(decodeStaticPath("a+b.txt"), ["a+b.txt"]);
  });

  it("refuses what no static file path contains", () => {
    for (const path of ["", "/etc/passwd", "a//b", "a/", "..", "a/../b", "%2e%2e/b", ".env", "a/.git/config", "a%2fb", "a%2Fb", "a%5cb", "a\\b", "a%00b", "a%0ab", "%c0%ae", "%e0%80%ae", "%", "%zz", "%u002e"]) {
      assert.equal(decodeStaticPath(path), null, path);
    }
  });
});

describe("MountDirectory", () => {
  it("follows a deploy that swaps the directory symlink at once", async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "berth-static-mount-")));
    try {
      for (const release of ["release-1", "release-2"]) {
        mkdirSync(join(base, release));
        writeFileSync(join(base, release, "app.css"), release);
      }
      symlinkSync("release-1", join(base, "current"));
      const mount = new MountDirectory(join(base, "current"));
      assert.equal(await openedPath(mount, ["app.css"]), join(base, "release-1", "app.css"));

      symlinkSync("release-2", join(base, "next"));
      renameSync(join(base, "next"), join(base, "current"));
      assert.equal(await openedPath(mount, ["app.css"]), join(base, "release-2", "app.css"));
      assert.equal(await openedPath(mount, ["missing.css"]), null);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("refuses a file whose directory leads outside through a symlink, and one swapped in after a first open", async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "berth-static-mount-")));
    try {
      mkdirSync(join(base, "root", "css"), { recursive: true });
      mkdirSync(join(base, "outside"));
      writeFileSync(join(base, "root", "css", "app.css"), "inside");
      writeFileSync(join(base, "outside", "app.css"), "outside");
      const mount = new MountDirectory(join(base, "root"));
      assert.equal(await openedPath(mount, ["css", "app.css"]), join(base, "root", "css", "app.css"));
      renameSync(join(base, "root", "css"), join(base, "css-moved"));
      symlinkSync(join(base, "outside"), join(base, "root", "css"));
      assert.equal(await openedPath(mount, ["css", "app.css"]), null);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
