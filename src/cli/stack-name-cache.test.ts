import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { cachedStackName, rememberStackName } from "./stack-name-cache.js";

function directory(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-name-cache-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a remembered name is returned while the file is unchanged, and forgotten when it changes", (t) => {
  const dir = directory(t);
  const home = join(dir, "home");
  const file = join(dir, "berth.yml");
  writeFileSync(file, "name: pixel\n");
  assert.equal(cachedStackName(file, home), null);
  rememberStackName(file, "name: pixel\n", "pixel", home);
  assert.equal(cachedStackName(file, home), "pixel");
  writeFileSync(file, "name: pixel2\n");
  assert.equal(cachedStackName(file, home), null);
  assert.equal(cachedStackName(join(dir, "missing.yml"), home), null);
});

test("a name made from a variable is never remembered", (t) => {
  const dir = directory(t);
  const home = join(dir, "home");
  const file = join(dir, "berth.yml");
  const content = "name: app-${STAGE}\n";
  writeFileSync(file, content);
  rememberStackName(file, content, "app-prod", home);
  assert.equal(cachedStackName(file, home), null);
});
