import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, request as httpRequest } from "node:http";
import { BERTH_BIN, berth, berthOk, FIXTURES, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

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

/** Every file in the stack's log directory (not the followers' holds), by name, with its size. */
function logFileSizes(dir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue;
    try {
      const stats = statSync(join(dir, name));
      if (stats.isFile()) sizes.set(name, stats.size);
    } catch {
      // rotated away between the listing and the look
    }
  }
  return sizes;
}

/** `total` GETs over `concurrency` keep-alive connections; resolves with how many answered 200. */
async function requestMany(port: number, host: string, total: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  let ok = 0;
  const failures: string[] = [];
  const client = async () => {
    while (sent < total) {
      sent += 1;
      const answered = await new Promise<number>((resolve) => {
        const request = httpRequest({ host: "127.0.0.1", port, path: `/?n=${sent}`, headers: { host }, agent }, (response) => {
          response.resume();
          response.on("end", () => {
            if (response.statusCode !== 200) failures.push(String(response.statusCode));
            resolve(response.statusCode === 200 ? 1 : 0);
          });
        });
        request.on("error", (error) => {
          failures.push(error.message);
          resolve(0);
        });
        request.end();
      });
      ok += answered;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  agent.destroy();
  if (failures.length > 0) process.stderr.write(`failures: ${[...new Set(failures)].slice(0, 5).join("; ")} (${failures.length})\n`);
  return ok;
}

test("20,000 proxied requests and two noisy services: the access log and the stack's logs stay within max_size, keep and max_total", async (t) => {
  const home = makeHome(t);
  const maxSize = 100 * 1024;
  const maxTotal = 1024 * 1024;
  const trigger = join(tempDir(t, "berth-trigger-"), "go");
  const cwd = writeStack(
    t,
    [
      "name: bounded",
      "logs: { max_size: 100KB, keep: 3, max_total: 1MB, compress: false }",
      "services:",
      "  web:",
      `    command: ${process.execPath} ${join(FIXTURES, "apps", "stream-app.mjs")}`,
      "    health: { http: /health, interval: 500ms }",
      ...["left", "right"].flatMap((name) => [`  ${name}:`, `    command: sh -c 'while [ ! -e ${trigger} ]; do sleep 0.1; done; seq 1 150000 | sed "s/^/${name} noise /"; exec sleep 100000'`]),
      "proxy:",
      "  hosts: [bounded.test]",
      "  tls: off",
      "",
    ].join("\n"),
  );
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);
  await berthOk(["up", "-d"], { home, cwd, env });
  const dir = logsDir(home, "bounded");
  let largestTotal = 0;
  let largestAccessFile = 0;
  let mostAccessFiles = 0;
  const sample = () => {
    const sizes = logFileSizes(dir);
    largestTotal = Math.max(largestTotal, [...sizes.values()].reduce((sum, size) => sum + size, 0));
    const access = [...sizes].filter(([name]) => /^access\.log(\.\d+(\.gz)?)?$/.test(name));
    mostAccessFiles = Math.max(mostAccessFiles, access.length);
    largestAccessFile = Math.max(largestAccessFile, ...access.map(([, size]) => size));
  };
  const sampler = setInterval(sample, 25);
  t.after(() => clearInterval(sampler));
  await waitFor(async () => (await proxyRequest({ port: httpPort!, host: "bounded.test", path: "/" }).catch(() => null))?.status === 200, "the app through the proxy", 60_000);
  writeFileSync(trigger, "");
  const answered = await requestMany(httpPort!, "bounded.test", 20_000, 16);
  assert.equal(answered, 20_000);
  await waitFor(() => logFileSizes(dir).has("access.log.3") || logFileSizes(dir).has("access.log.3.gz"), "the access log to have rotated three times", 60_000);
  const noiseDone = (name: string) => async () => (await berthOk(["logs", name, "-n", "1"], { home, cwd, env })).stdout.includes(`${name} noise 150000`);
  await waitFor(noiseDone("left"), "the left service's burst to end", 120_000);
  await waitFor(noiseDone("right"), "the right service's burst to end", 120_000);
  clearInterval(sampler);
  sample();
  t.diagnostic(`largest total ${largestTotal} B (cap ${maxTotal}), largest access file ${largestAccessFile} B (max_size ${maxSize}), most access files ${mostAccessFiles}`);
  assert.ok(mostAccessFiles <= 4, `at most the current access log and 3 generations, saw ${mostAccessFiles}`);
  // The proxy workers check the size and write under one lock: no file passes max_size.
  assert.ok(largestAccessFile <= maxSize, `access log files within max_size (largest ${largestAccessFile})`);
  assert.ok(largestTotal <= maxTotal, `the stack's logs within max_total (largest ${largestTotal})`);
  // Without the cap, 3 generations each of left, right and the access log would be kept (900 KB beside four current files).
  const rotated = [...logFileSizes(dir).keys()].filter((name) => /\.log\.\d+(\.gz)?$/.test(name));
  assert.ok(rotated.length < 9, `the cap removed old generations: ${rotated.join(", ")}`);
  await berthOk(["down"], { home, cwd, env });
});

test("logs.files: a file the app writes itself is rotated under the stack's policy, by copy-and-truncate or rename-and-signal", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(
    t,
    [
      "name: appfiles",
      "logs: { max_size: 10KB, keep: 2, compress: false, files: [own.log, { path: reopened.log, service: writer, signal: SIGUSR1 }] }",
      "services:",
      "  writer:",
      // Appends (>>) reopen the file for every line, as a logging library does after SIGUSR1; the trap keeps it alive.
      `    command: sh -c 'trap "" USR1; i=0; while true; do echo "own line $i" >> own.log; echo "reopened line $i" >> reopened.log; i=$((i+1)); sleep 0.002; done'`,
      "",
    ].join("\n"),
  );
  await berthOk(["up", "-d"], { home, cwd });
  await waitFor(() => existsSync(join(cwd, "own.log.2")) && existsSync(join(cwd, "reopened.log.2")), "both files rotated twice", 120_000);
  await berthOk(["down"], { home, cwd });
  for (const name of ["own.log", "reopened.log"]) {
    // The current file may be missing if the writer was stopped between a rename and its next line.
    const generations = readdirSync(cwd).filter((file) => file.startsWith(`${name}.`) && /\.\d+$/.test(file));
    assert.deepEqual(generations.sort(), [`${name}.1`, `${name}.2`], `${name} keeps 2 generations`);
    // Looked at every 5 s: a generation holds at most max_size plus what the app wrote meanwhile.
    assert.ok(statSync(join(cwd, `${name}.1`)).size > 10 * 1024, `${name}.1 was rotated for its size`);
  }
  assert.match(readFileSync(join(cwd, "own.log.1"), "utf8"), /^own line \d+$/m);
});
