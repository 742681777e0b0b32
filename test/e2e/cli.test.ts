import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BERTH_BIN, berth, berthJson, berthOk, makeHome, processesOfStack, waitFor, tempDir } from "../helpers/berth-cli.js";
import { createDjangoProject } from "../helpers/django-project.js";

function stackDir(t: TestContext, yaml: string): string {
  const dir = tempDir(t, "berth-cli-");
  writeFileSync(join(dir, "berth.yml"), yaml);
  return dir;
}

test("foreground up streams the logs with prefixes and Ctrl+C stops the stack cleanly", async (t) => {
  const home = makeHome(t);
  const cwd = stackDir(t, `name: fgtest\nservices:\n  ticker:\n    command: sh -c 'while true; do echo tick-$BERTH_REPLICA; sleep 0.2; done'\n    replicas: 2\n`);
  const child = spawn(process.execPath, [BERTH_BIN, "up"], { cwd, env: { ...process.env, BERTH_HOME: home, NO_COLOR: "1" } });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await waitFor(() => /ticker\.0 \| .*tick-0/.test(stdout) && /ticker\.1 \| .*tick-1/.test(stdout), "both replicas' lines on stdout");
  child.kill("SIGINT");
  assert.equal(await exited, 0);
  assert.deepEqual(processesOfStack("fgtest"), []);
  assert.deepEqual(await berthJson<unknown[]>(["ls"], { home }), []);
});

test("a failing release task stops up with its output shown (secrets redacted) and starts no service", async (t) => {
  const home = makeHome(t);
  const cwd = stackDir(t, 
    `name: reltest\nsecrets: [DB_PASSWORD]\nrelease:\n  - echo migrating\n  - sh -c 'echo "cannot connect with $DB_PASSWORD" >&2; exit 7'\n  - echo never-runs\nservices:\n  web:\n    command: sleep 3600\n`,
  );
  const result = await berth(["up", "-d"], { home, cwd });
  assert.equal(result.code, 3);
  assert.match(result.stderr, /release task failed \(exit code 7\)/);
  assert.match(result.stderr, /cannot connect with \*{8}/);
  const secret = (JSON.parse(readFileSync(join(home, "stacks", "reltest", "secrets.json"), "utf8")) as Record<string, string>).DB_PASSWORD!;
  assert.ok(!result.stderr.includes(secret), "the secret itself is never printed");
  assert.doesNotMatch((await berthOk(["logs", "release"], { home, cwd })).stdout, /never-runs/);
  assert.deepEqual(processesOfStack("reltest"), []);
  assert.deepEqual(await berthJson<unknown[]>(["ls"], { home }), []);
});

test("init detects a Django project and writes a berth.yml that berth accepts", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  await berthOk(["init"], { home, cwd });
  const written = readFileSync(join(cwd, "berth.yml"), "utf8");
  assert.match(written, /gunicorn mysite\.wsgi --bind 127\.0\.0\.1:\$PORT/);
  assert.match(written, /manage\.py migrate/);
  assert.match(written, /^#/m, "the file is commented");
  const env = await berthJson<Record<string, string>>(["env", "web"], { home, cwd });
  assert.match(env.DATABASE_URL!, /^sqlite:\/\/\//);
  const again = await berth(["init"], { home, cwd });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists.*\n.*--force/);
});
