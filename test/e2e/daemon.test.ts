import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, FIXTURES, makeHome, processesOfStack, waitFor, type PsRow, tempDir } from "../helpers/berth-cli.js";

const HTTP_APP = join(FIXTURES, "apps", "http-app.mjs");

function writeStack(t: TestContext, name: string, extra = ""): string {
  const dir = tempDir(t, "berth-stack-");
  writeFileSync(
    join(dir, "berth.yml"),
    `name: ${name}\nsecrets: [API_TOKEN]\n${extra}services:\n  web:\n    command: ${process.execPath} ${HTTP_APP}\n    replicas: 2\n    health: { tcp: true, interval: 200ms }\n`,
  );
  return dir;
}

async function healthyPids(home: string, cwd: string): Promise<number[]> {
  return waitFor(async () => {
    const rows = await berthJson<PsRow[]>(["ps"], { home, cwd });
    return rows.length === 2 && rows.every((row) => row.health === "healthy") ? rows.map((row) => row.pid!) : undefined;
  }, "two healthy replicas");
}

test("a daemon killed with SIGKILL comes back with its stacks up and no duplicate or orphaned process", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(t, "restoretest");
  await berthOk(["up", "-d"], { home, cwd });
  const before = await healthyPids(home, cwd);
  const socket = statSync(join(home, "berth.sock"));
  assert.equal(socket.mode & 0o777, 0o600);

  const { pid } = await berthJson<{ pid: number }>(["daemon", "status"], { home });
  process.kill(pid, "SIGKILL");
  await waitFor(async () => (await berth(["daemon", "status"], { home })).code === 4, "the daemon to be gone");

  // Any command starts the daemon again; it adopts the replicas that kept running, no duplicate.
  const after = await healthyPids(home, cwd);
  assert.deepEqual([...after].sort(), [...before].sort(), "the same replicas, adopted");
  await waitFor(() => processesOfStack("restoretest").length === 2, "exactly the two restored replicas");
  await berthOk(["down"], { home, cwd });
  assert.deepEqual(processesOfStack("restoretest"), []);
});

test("several stacks run isolated side by side; ls lists them; secrets are generated once and never printed", async (t) => {
  const home = makeHome(t);
  const first = writeStack(t, "alpha");
  const second = writeStack(t, "beta");
  await berthOk(["up", "-d"], { home, cwd: first });
  await berthOk(["up", "-d"], { home, cwd: second });
  const alphaPids = await healthyPids(home, first);
  await healthyPids(home, second);
  const stacks = await berthJson<{ name: string; up: boolean }[]>(["ls"], { home });
  assert.deepEqual(stacks.map((stack) => stack.name).sort(), ["alpha", "beta"]);

  const secretsFile = join(home, "stacks", "alpha", "secrets.json");
  assert.equal(statSync(secretsFile).mode & 0o777, 0o600);
  const token = (JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>).API_TOKEN!;
  assert.ok(token.length >= 32);
  const betaToken = (JSON.parse(readFileSync(join(home, "stacks", "beta", "secrets.json"), "utf8")) as Record<string, string>).API_TOKEN;
  assert.notEqual(token, betaToken);
  const environ = readFileSync(`/proc/${alphaPids[0]}/environ`, "utf8").split("\0");
  assert.ok(environ.includes(`API_TOKEN=${token}`), "the secret reaches the process as env");

  for (const args of [["env"], ["env", "--json"], ["env", "web", "--json"], ["ps", "--json"], ["logs", "-n", "100"]]) {
    const output = await berthOk(args, { home, cwd: first });
    assert.ok(!output.stdout.includes(token) && !output.stderr.includes(token), `berth ${args.join(" ")} printed the secret`);
  }
  assert.match((await berthOk(["env"], { home, cwd: first })).stdout, /API_TOKEN=\*+/);

  await berthOk(["down"], { home, cwd: first });
  await berthOk(["up", "-d"], { home, cwd: first });
  assert.equal((JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>).API_TOKEN, token, "secret stable across down/up");
  assert.deepEqual(processesOfStack("beta").length, 2, "beta untouched by alpha's down/up");

  const downV = await berthOk(["down", "-v"], { home, cwd: first });
  assert.match(downV.stdout, /deleted/);
  await berthOk(["down"], { home, cwd: second });
});

test("berth daemon install writes a systemd unit that runs the daemon with this BERTH_HOME", async (t) => {
  const home = makeHome(t);
  const unitPath = join(home, "berth.service");
  await berthOk(["daemon", "install", "--output", unitPath], { home });
  const unit = readFileSync(unitPath, "utf8");
  assert.match(unit, new RegExp(`Environment=BERTH_HOME=${home}`));
  assert.match(unit, /ExecStart=\S+node\S* \S+daemon-entry\.js/);
  assert.match(unit, /Restart=always/);
  assert.match(unit, /WantedBy=multi-user\.target/);
});
