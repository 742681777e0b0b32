import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BERTH_BIN, berth, berthOk, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";

function writeStack(t: TestContext, yaml: string): string {
  const dir = tempDir(t, "berth-logs-");
  writeFileSync(join(dir, "berth.yml"), yaml);
  return dir;
}

function logsDir(home: string, stack: string): string {
  return join(home, "stacks", stack, "logs");
}

/** `berth logs -f --json` as a running process, its lines parsed as they arrive. */
function follow(t: TestContext, home: string, cwd: string, args: string[]): { pid: number; lines: { source: string; text: string }[]; stop: () => Promise<void> } {
  const child = spawn(process.execPath, [BERTH_BIN, "logs", ...args, "-f", "--json"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", BERTH_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });

  const lines: { source: string; text: string }[] = [];
  let partial = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) if (part) lines.push(JSON.parse(part) as { source: string; text: string });
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return {
    pid: child.pid!,
    lines,
    stop: async () => {
      child.kill("SIGINT");
      await closed;
    },
  };
}

test("logs -f started before a 200,000-line burst through a 100 KB max_size prints every line once, in order", async (t) => {
  const home = makeHome(t);
  const trigger = join(tempDir(t, "berth-trigger-"), "go");
  const total = 200_000;
  const cwd = writeStack(
    t,
    [
      "name: burst",
      "logs: { max_size: 100KB, keep: 3 }",
      "services:",
      "  noisy:",
      `    command: sh -c 'while [ ! -e ${trigger} ]; do sleep 0.1; done; seq 1 ${total} | sed "s/^/burst /"; exec sleep 100000'`,
      "",
    ].join("\n"),
  );
  await berthOk(["up", "-d"], { home, cwd });
  const follower = follow(t, home, cwd, ["noisy", "-n", "0"]);
  await waitFor(() => existsSync(join(logsDir(home, "burst"), ".follow", String(follower.pid))), "the follower to register its hold");

  const started = Date.now();
  writeFileSync(trigger, "");
  await waitFor(() => follower.lines.length >= total, `${total} lines from logs -f`, 240_000);
  const took = Date.now() - started;
  await follower.stop();

  const texts = follower.lines.filter((line) => line.source === "noisy.0").map((line) => line.text);
  assert.equal(texts.length, total, "no line twice");
  const firstWrong = texts.findIndex((text, index) => text !== `burst ${index + 1}`);
  assert.equal(firstWrong, -1, `line ${firstWrong} is ${texts[firstWrong]}`);
  t.diagnostic(`${total} lines followed in ${took} ms`);

  // The files on disk stayed within the policy: the current file and 3 generations of at most 100 KB.
  const files = readdirSync(logsDir(home, "burst")).filter((name) => name.startsWith("noisy.0.log"));
  assert.ok(files.length <= 4, `files: ${files.join(", ")}`);
  for (const name of files) assert.ok(statSync(join(logsDir(home, "burst"), name)).size <= 100 * 1024, `${name} within max_size`);
  assert.deepEqual(readdirSync(join(logsDir(home, "burst"), ".follow")), [], "the follower's hold is gone");

  // Past logs: --grep, --since, --until.
  const grepped = (await berthOk(["logs", "noisy", "--grep", "^burst 19999[0-9]$", "--json"], { home, cwd })).stdout.trim().split("\n");
  assert.deepEqual(grepped.map((line) => (JSON.parse(line) as { text: string }).text), Array.from({ length: 10 }, (_, index) => `burst ${199_990 + index}`));
  const recent = (await berthOk(["logs", "noisy", "--since", "10m", "-n", "5"], { home, cwd })).stdout.trim().split("\n");
  assert.equal(recent.length, 5);
  assert.match(recent[4] ?? "", /burst 200000$/);
  const beforeBurst = new Date(started - 60_000).toISOString();
  const old = await berthOk(["logs", "noisy", "--until", beforeBurst], { home, cwd });
  assert.doesNotMatch(old.stdout, /burst \d/);
  const refused = await berth(["logs", "noisy", "--until", "5m", "-f"], { home, cwd });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /--until and --follow/);
  await berthOk(["down"], { home, cwd });
});
