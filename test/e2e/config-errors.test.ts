import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, makeHome, tempDir } from "../helpers/berth-cli.js";

const FIVE_MISTAKES = `name: broken
services:
  web:
    command: gunicorn app.wsgi
    replicas: two
    restart: sometimes
    health: { http: /health, timeout: soon }
  worker:
    command: celery -A app worker
    replica: 2
    depends_on: [wbe]
`;

test("a berth.yml with five mistakes reports all five with line:column and a fix, exit code 1, no stack trace", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-bad-");
  writeFileSync(join(cwd, "berth.yml"), FIVE_MISTAKES);
  const result = await berth(["up", "-d"], { home, cwd });
  assert.equal(result.code, 1);
  const expected: [RegExp, string][] = [
    [/berth\.yml:5:15 services\.web\.replicas: .*"two"/, "replicas"],
    [/berth\.yml:6:14 services\.web\.restart: .*"sometimes"/, "restart"],
    [/berth\.yml:7:39 services\.web\.health\.timeout: .*"soon"/, "timeout"],
    [/berth\.yml:10:5 services\.worker\.replica: .*/, "unknown key"],
    [/berth\.yml:11:1[78] services\.worker\.depends_on(\.0)?: .*wbe/, "depends_on"],
  ];
  for (const [pattern, what] of expected) assert.match(result.stderr, pattern, `${what} not reported:\n${result.stderr}`);
  assert.match(result.stderr, /did you mean .*replicas/);
  assert.match(result.stderr, /did you mean .*web/);
  assert.doesNotMatch(result.stderr, /\n\s+at .*\.js:\d+/, "no stack trace for user errors");
});

test("a missing berth.yml says how to create one", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-empty-");
  const result = await berth(["up", "-d"], { home, cwd });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /berth init/);
});
