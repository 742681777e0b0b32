import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { AppLogRotator } from "./app-log-files.js";

function directory(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-app-logs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("an app's own file is copied and truncated in place, or renamed and its service signalled", (t) => {
  const root = directory(t);
  const signals: string[] = [];
  const rotator = new AppLogRotator({
    policy: () => ({ maxSizeBytes: 100, keep: 2, compress: false, files: [{ path: "celery.log", reopen: null }, { path: "django.log", reopen: { service: "web", signal: "SIGUSR1" } }] }),
    root: () => root,
    signal: (service, signal) => signals.push(`${service}:${signal}`),
  });
  writeFileSync(join(root, "celery.log"), "c".repeat(50));
  writeFileSync(join(root, "django.log"), "d".repeat(50));
  assert.deepEqual(rotator.checkAll(), [], "small files stay");
  for (let round = 1; round <= 3; round++) {
    appendFileSync(join(root, "celery.log"), `${round}`.repeat(150));
    appendFileSync(join(root, "django.log"), `${round}`.repeat(150));
    assert.equal(rotator.checkAll().length, 2);
    writeFileSync(join(root, "django.log"), "", { flag: "a" }); // the app reopening its file
  }
  assert.deepEqual(readdirSync(root).sort(), ["celery.log", "celery.log.1", "celery.log.2", "django.log", "django.log.1", "django.log.2"]);
  assert.equal(readFileSync(join(root, "celery.log"), "utf8"), "", "truncated in place");
  assert.match(readFileSync(join(root, "celery.log.1"), "utf8"), /^3{150}$/);
  assert.deepEqual(signals, ["web:SIGUSR1", "web:SIGUSR1", "web:SIGUSR1"]);
});
