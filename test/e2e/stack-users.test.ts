import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lookupSystemUser } from "../../src/backing/run-as.js";
import { stackUserName } from "../../src/supervisor/stack-user.js";
import { berthJson, berthOk, makeHome, tempDir, type PsRow } from "../helpers/berth-cli.js";
import { storedSecret, waitForHealthy } from "../helpers/backing.js";

const IS_ROOT = process.getuid?.() === 0;

function deployableStack(t: Parameters<typeof tempDir>[0], name: string): string {
  const cwd = tempDir(t, "berth-users-");
  writeFileSync(
    join(cwd, "berth.yml"),
    [
      `name: ${name}`,
      "database: postgres",
      "secrets: [SECRET_KEY]",
      "shared: [media]",
      "services:",
      "  web:",
      "    command: /usr/bin/python3 -m http.server $PORT --bind 127.0.0.1",
      "    health: { tcp: true, interval: 500ms }",
      "    stop_grace: 1s",
      "",
    ].join("\n"),
  );
  mkdirSync(join(cwd, "media"));
  writeFileSync(join(cwd, "media", "upload.txt"), `uploaded to ${name}\n`);
  return cwd;
}

/** What a process of another stack gets when it tries to read `path`: runs `cat`/`ls` as that stack's user. */
function readAs(uid: number, gid: number, path: string): { ok: boolean; output: string } {
  const result = spawnSync("sh", ["-c", 'if [ -d "$1" ]; then ls "$1"; else cat "$1"; fi', "read", path], { uid, gid, encoding: "utf8" });
  return { ok: result.status === 0, output: result.stdout + result.stderr };
}

test("as root, each stack runs as its own user and cannot read another stack's secrets, shared files or database files", async (t) => {
  const home = makeHome(t);
  const alpha = { home, cwd: deployableStack(t, "alpha-users") };
  const beta = { home, cwd: deployableStack(t, "beta-users") };
  await berthOk(["deploy"], alpha);
  await berthOk(["deploy"], beta);
  const alphaRows = await waitForHealthy(alpha, 2);
  const betaRows = await waitForHealthy(beta, 2);

  if (!IS_ROOT) {
    // Not root: berth cannot switch users, so everything runs as the caller.
    const me = String(process.getuid?.());
    for (const row of [...alphaRows, ...betaRows]) assert.ok(row.user === me || lookupSystemUser(row.user ?? "")?.uid === process.getuid?.());
    return;
  }

  const alphaUser = lookupSystemUser(stackUserName("alpha-users"));
  const betaUser = lookupSystemUser(stackUserName("beta-users"));
  assert.ok(alphaUser && betaUser, "berth created a system user per stack");
  assert.deepEqual(new Set(alphaRows.map((row) => row.user)), new Set([alphaUser.name]), "alpha's web and postgres run as alpha's user");
  assert.deepEqual(new Set(betaRows.map((row) => row.user)), new Set([betaUser.name]));
  const ps = (await berthOk(["ps"], alpha)).stdout;
  assert.match(ps, new RegExp(`web\\s+0\\s+\\d+\\s+running.*${alphaUser.name}`));

  const alphaRoot = join(home, "stacks", "alpha-users");
  const alphaSecret = storedSecret(home, "alpha-users", "SECRET_KEY");
  const release = (await berthJson<{ id: string; status: string }[]>(["releases"], alpha)).find((row) => row.status === "live")!;
  const targets = {
    secrets: join(alphaRoot, "secrets.json"),
    shared: join(alphaRoot, "shared", "media", "upload.txt"),
    database: join(alphaRoot, "data", "postgres", "cluster"),
    data: join(alphaRoot, "data"),
    release: join(alphaRoot, "releases", release.id, "berth.yml"),
    logs: join(alphaRoot, "logs"),
  };
  // Alpha's own user reaches its shared files, data and release (the app needs them)…
  assert.equal(readAs(alphaUser.uid, alphaUser.gid, targets.shared).output, "uploaded to alpha-users\n");
  assert.ok(readAs(alphaUser.uid, alphaUser.gid, targets.database).ok);
  assert.ok(readAs(alphaUser.uid, alphaUser.gid, targets.release).ok);
  // …beta's user reaches none of it, nor alpha's secrets or logs.
  for (const [what, path] of Object.entries(targets)) {
    const attempt = readAs(betaUser.uid, betaUser.gid, path);
    assert.equal(attempt.ok, false, `beta's user read alpha's ${what} (${path}): ${attempt.output}`);
    assert.match(attempt.output, /Permission denied/, what);
  }
  assert.equal(statSync(targets.secrets).mode & 0o777, 0o600);
  assert.equal(statSync(targets.data).mode & 0o777, 0o700);
  assert.equal(statSync(targets.data).uid, alphaUser.uid);

  // The database server gets only what it needs: never the app's secrets.
  const postgres = alphaRows.find((row) => row.service === "postgres")!;
  const environ = readFileSync(`/proc/${postgres.pid}/environ`, "utf8");
  assert.ok(!environ.includes(alphaSecret), "postgres's environment holds the app's SECRET_KEY");
  assert.doesNotMatch(environ, /SECRET_KEY|DATABASE_URL/);
  assert.ok(!environ.includes(storedSecret(home, "alpha-users", "BERTH_POSTGRES_ADMIN_PASSWORD")), "only its health probe needs the admin password");

  await berthOk(["down"], alpha);
  await berthOk(["down"], beta);
});

test("as root, a deployed app whose interpreter the stack's user cannot reach (a virtualenv under a private directory) runs as root, with a warning saying why", async (t) => {
  const home = makeHome(t);
  const privateVenv = tempDir(t, "berth-private-venv-");
  symlinkSync("/usr/bin/python3", join(privateVenv, "python"));
  const cwd = tempDir(t, "berth-users-venv-");
  writeFileSync(join(cwd, "serve"), `#!${join(privateVenv, "python")}\nimport http.server, os\nhttp.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(os.environ["PORT"]), bind="127.0.0.1")\n`, { mode: 0o755 });
  writeFileSync(join(cwd, "berth.yml"), "name: venv-users\nservices:\n  web:\n    command: ./serve\n    health: { tcp: true, interval: 500ms }\n    stop_grace: 1s\n");
  const deployed = await berthOk(["deploy"], { home, cwd });
  const [web] = await waitForHealthy({ home, cwd }, 1);
  if (!IS_ROOT) {
    assert.doesNotMatch(deployed.stderr, /runs as root/);
    return;
  }
  assert.match(deployed.stderr, new RegExp(`web runs as root: the stack's user berth-venv-users cannot run ${join(privateVenv, "python")} \\(the interpreter of .*serve\\)`));
  assert.equal(web?.user, "root");
  await berthOk(["down"], { home, cwd });
});
