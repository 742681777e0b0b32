import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
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

const HOSTILE = `name: hostile
env_file: [pipe, /dev/zero]
env:
  __proto__: polluted
  KEY: "value\\0more"
backup: { schedule: "* * * * * *" }
services:
  web:
    command: ./run
    cwd: berth.yml
    replicas: 100000000
  worker:
    command: "\${A:-\${B:-\${C:-\${D:-\${E:-\${F:-\${G:-\${H:-\${I:-deep}}}}}}}}}"
proxy:
  hosts: [localhost]
  static: { /s/: / }
`;

test("a hostile berth.yml (FIFO env file, /dev/zero, prototype key, NUL, huge replicas) is refused at once, every problem located, nothing started", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-hostile-");
  writeFileSync(join(cwd, "berth.yml"), HOSTILE);
  execFileSync("mkfifo", [join(cwd, "pipe")]);
  const homeBefore = readdirSync(home).sort();
  // A FIFO that blocked the read or /dev/zero read to the end would hang here until the deadline.
  const result = await berth(["up", "-d"], { home, cwd, timeoutMs: 60_000 });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /berth\.yml has 9 problems/);
  const expected: [RegExp, string][] = [
    [/berth\.yml:2:12 env_file\.0: .*named pipe/, "FIFO env file"],
    [/berth\.yml:2:18 env_file\.1: .*"\/dev\/zero" is a device/, "/dev/zero"],
    [/berth\.yml:4:3 env\.__proto__: .*cannot be used as a key/, "prototype key"],
    [/berth\.yml:5:8 env\.KEY: .*NUL byte/, "NUL"],
    [/berth\.yml:6:21 backup\.schedule: .*too frequent/, "backup schedule"],
    [/berth\.yml:10:10 services\.web\.cwd: .*not a directory/, "cwd"],
    [/berth\.yml:11:15 services\.web\.replicas: .*at most 64/, "replicas"],
    [/berth\.yml:13:\d+ services\.worker\.command: .*nested more than 8 deep/, "interpolation depth"],
    [/berth\.yml:16:18 proxy\.static\.\/s\/: .*filesystem root/, "static root"],
  ];
  for (const [pattern, what] of expected) assert.match(result.stderr, pattern, `${what} not reported:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at .*\.js:\d+/, "no stack trace for user errors");
  assert.deepEqual(readdirSync(home).sort(), homeBefore, "nothing was started or written under BERTH_HOME");
});
