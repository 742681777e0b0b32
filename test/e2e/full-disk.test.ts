import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { berth, berthJson, berthOk, FIXTURES, tempDir, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

// A full disk never stops serving: BERTH_HOME (logs, state, the access log) on a small tmpfs
// filled to 100% under load; the stack keeps serving, berth keeps answering, and it recovers.

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");
const FILESYSTEM_BYTES = 32 * 1024 * 1024;

/** Writes until the filesystem refuses (ENOSPC); returns the file, to delete to free the space. */
function fill(directory: string): string {
  const filler = join(directory, "filler");
  const fd = openSync(filler, "w");
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  // What the first writes left in page-sized gaps.
  const tail = openSync(join(directory, "filler-tail"), "w");
  try {
    for (;;) writeSync(tail, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(tail);
  }
  return filler;
}

test("a full disk under load: the stack keeps serving, berth keeps answering, and logging resumes when space returns", async (t) => {
  const home = mkdtempSync(join(tmpdir(), "berth-full-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${FILESYSTEM_BYTES}`, "tmpfs", home]);
  // One hook, in this order: node:test runs `after` hooks in the order they were added.
  t.after(async () => {
    await berth(["daemon", "stop", "--all"], { home, timeoutMs: 60_000 });
    execFileSync("umount", ["-l", home]);
    rmSync(home, { recursive: true, force: true });
  });
  const cwd = tempDir(t, "berth-full-disk-app-");
  mkdirSync(join(cwd, "public"));
  writeFileSync(join(cwd, "public", "file.txt"), "static while the disk is full\n");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: fulldisk
services:
  web:
    command: ${process.execPath} ${STREAM_APP}
    replicas: 2
    health: { http: /health, interval: 500ms }
  chatty:
    command: sh -c 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.01; done'
proxy:
  hosts: [full.test]
  static: { /static/: public }
`,
  );
  const [httpPort, httpsPort] = await freePorts(2);
  const run = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 120_000 };
  await berthOk(["up", "-d"], run);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  // A 32 MB filesystem is low on space from the start: the stack is told (for alerts) before it fills.
  await waitFor(async () => (await berthJson<{ kind: string }[]>(["events"], run)).some((event) => event.kind === "disk-low"), "a disk-low event", 60_000);

  const filler = fill(home);
  const load = startLoad({ port: httpsPort!, host: "full.test", ca, concurrency: 4 });
  // While it is full: requests are served, static files too, and the daemon answers and acts.
  for (let i = 0; i < 20; i++) assert.equal((await proxyRequest({ port: httpsPort!, host: "full.test", path: "/static/file.txt", tls: { ca } })).status, 200);
  const rows = await berthJson<PsRow[]>(["ps"], run);
  assert.equal(rows.filter((row) => row.status === "running").length, 3);
  await berthOk(["restart", "chatty"], run);
  const report = await load.stop();
  assert.ok(report.requests > 50, `load ran (${report.requests} requests)`);
  assert.equal(report.failures, 0, `failed requests on a full disk: ${report.failureSamples.join("; ")}`);

  // Space returns: the replica's log says how many lines it lost, and goes on.
  rmSync(filler);
  rmSync(join(home, "filler-tail"));
  await waitFor(() => /\[berth\] \d+ log lines were dropped/.test(readFileSync(join(home, "stacks", "fulldisk", "logs", "chatty.0.log"), "utf8")), "the dropped-lines note in the log", 60_000);
  const logs = (await berthOk(["logs", "chatty", "-n", "5"], run)).stdout;
  assert.match(logs, /line \d+/);
  assert.equal((await proxyRequest({ port: httpsPort!, host: "full.test", path: "/", tls: { ca } })).status, 200);
});
