import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { berth, berthOk, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";

interface Received {
  text: string;
  kind: string;
  stack: string;
  message: string;
}

/** A webhook receiver on loopback; the first request of each kind answers 503, so every alert needs a retry. */
async function startReceiver(t: TestContext): Promise<{ url: string; bodies: string[]; received: () => Received[] }> {
  const bodies: string[] = [];
  const refusedOnce = new Set<string>();
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      const kind = (JSON.parse(body) as Received).kind;
      if (!refusedOnce.has(kind)) {
        refusedOnce.add(kind);
        response.writeHead(503).end();
        return;
      }
      bodies.push(body);
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, received: () => bodies.map((body) => JSON.parse(body) as Received) };
}

test("crash-loop, deploy-failed and backup-failed reach the webhook after a retry, with no secret value in any body", async (t) => {
  const home = makeHome(t);
  const receiver = await startReceiver(t);
  const kinds = () => receiver.received().map((event) => event.kind);

  // One stack that crash-loops, printing its secret as it goes.
  const looping = tempDir(t, "berth-alerts-");
  writeFileSync(
    join(looping, "berth.yml"),
    `name: alerted
secrets: [SECRET_KEY]
alerts:
  webhook: ${receiver.url}
  on: [crash-loop, deploy-failed, backup-failed, job-failed]
services:
  broken:
    command: sh -c 'echo "key is $SECRET_KEY"; exit 3'
`,
  );
  await berthOk(["up", "-d", "--no-wait"], { home, cwd: looping });
  const secret = (JSON.parse(readFileSync(join(home, "stacks", "alerted", "secrets.json"), "utf8")) as Record<string, string>).SECRET_KEY!;
  assert.ok(secret.length >= 20);
  await waitFor(() => kinds().includes("crash-loop"), "the crash-loop alert", 120_000);
  const crashLoop = receiver.received().find((event) => event.kind === "crash-loop")!;
  assert.equal(crashLoop.stack, "alerted");
  assert.match(crashLoop.text, /alerted broken\.0\] crash-loop/, "a Slack-compatible text field");

  // A backup that cannot be written: a file where the backups directory goes.
  const backups = join(home, "stacks", "alerted", "backups");
  rmSync(backups, { recursive: true, force: true });
  writeFileSync(backups, "not a directory");
  const backup = await berth(["backup"], { home, cwd: looping });
  assert.notEqual(backup.code, 0, "a failed backup fails the command");
  assert.doesNotMatch(backup.stdout, /backup done|succeeded/);
  await waitFor(() => kinds().includes("backup-failed"), "the backup-failed alert", 60_000);
  const events = JSON.parse((await berthOk(["events", "--json"], { home, cwd: looping })).stdout) as { kind: string }[];
  assert.equal(events.some((event) => event.kind === "backup-succeeded"), false, "a failed backup is never recorded as a success");

  // `berth alerts test` answers whether the receiver got it (the first try gets 503 and is not retried).
  const first = await berth(["alerts", "test"], { home, cwd: looping });
  assert.notEqual(first.code, 0);
  assert.match(first.stderr, /not delivered: HTTP 503/);
  assert.match((await berthOk(["alerts", "test"], { home, cwd: looping })).stdout, /test alert delivered \(HTTP 200\)/);

  // A second stack whose deploy fails in a release task that prints the secret.
  const deployed = tempDir(t, "berth-alerts-deploy-");
  mkdirSync(deployed, { recursive: true });
  writeFileSync(
    join(deployed, "berth.yml"),
    `name: alerted-deploy
secrets: [SECRET_KEY]
release: sh -c 'echo "migrating with $SECRET_KEY"; exit 1'
alerts: { webhook: ${receiver.url} }
services:
  web:
    command: sleep 3600
`,
  );
  const failedDeploy = await berth(["deploy"], { home, cwd: deployed, timeoutMs: 180_000 });
  assert.notEqual(failedDeploy.code, 0);
  await waitFor(() => kinds().includes("deploy-failed"), "the deploy-failed alert", 60_000);
  const deploySecret = (JSON.parse(readFileSync(join(home, "stacks", "alerted-deploy", "secrets.json"), "utf8")) as Record<string, string>).SECRET_KEY!;

  for (const body of receiver.bodies) {
    assert.equal(body.includes(secret), false, `a secret value in ${body}`);
    assert.equal(body.includes(deploySecret), false, `a secret value in ${body}`);
  }
  await berthOk(["down"], { home, cwd: looping });
});
