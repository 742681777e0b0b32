import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthOk, FIXTURES, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const HTTP_APP = join(FIXTURES, "apps", "http-app.mjs");

function writeStack(t: TestContext, name: string, proxyExtra = ""): string {
  const cwd = tempDir(t, `berth-${name}-`);
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: ${name}
services:
  web:
    command: ${process.execPath} ${HTTP_APP}
    port: auto
proxy:
  hosts: [${name}.test]
${proxyExtra}`,
  );
  return cwd;
}

test("a stack's own ports (proxy.listen, listen_tls) serve it alone: other hosts get 421, a second claim is refused, down closes them", async (t) => {
  const home = makeHome(t);
  const [httpPort, httpsPort, ownHttp, ownHttps] = await freePorts(4);
  const env = proxyEnv(httpPort!, httpsPort!);
  const ownCwd = writeStack(t, "own", `  listen: [${ownHttp}]\n  listen_tls: [${ownHttps}]\n`);
  await berthOk(["up", "-d"], { home, cwd: ownCwd, env });
  await berthOk(["up", "-d"], { home, cwd: writeStack(t, "other"), env });
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");

  const plain = await waitFor(async () => {
    const answer = await proxyRequest({ port: ownHttp!, host: "own.test", path: "/" }).catch(() => undefined);
    return answer?.status === 200 ? answer : undefined;
  }, "the stack's own HTTP port");
  assert.match(plain.text, /^ok pid=/, "served, not redirected to HTTPS");
  assert.equal((await proxyRequest({ port: ownHttp!, host: "other.test", path: "/" })).status, 421, "another stack's host on this port");

  const secure = await proxyRequest({ port: ownHttps!, host: "own.test", path: "/", tls: { ca } });
  assert.equal(secure.status, 200);
  assert.equal((await proxyRequest({ port: ownHttps!, host: "other.test", path: "/", tls: { ca } }).catch(() => ({ status: 0 }))).status === 200, false);

  // The shared listeners still serve both.
  await waitFor(async () => (await proxyRequest({ port: httpsPort!, host: "other.test", path: "/", tls: { ca } })).status === 200, "other on the shared port");
  assert.equal((await proxyRequest({ port: httpsPort!, host: "own.test", path: "/", tls: { ca } })).status, 200);

  const clash = await berth(["up", "-d"], { home, cwd: writeStack(t, "third", `  listen: [${ownHttp}]\n`), env });
  assert.notEqual(clash.code, 0);
  assert.match(clash.stderr, new RegExp(`port ${ownHttp} is stack own's own port`));
  assert.equal((await proxyRequest({ port: ownHttp!, host: "own.test", path: "/" })).status, 200, "the owner keeps serving");

  await berthOk(["down"], { home, cwd: ownCwd, env });
  await waitFor(async () => (await proxyRequest({ port: ownHttp!, host: "own.test", path: "/" }).catch((error: NodeJS.ErrnoException) => error.code)) === "ECONNREFUSED", "the own port closed");
  assert.equal((await proxyRequest({ port: httpsPort!, host: "other.test", path: "/", tls: { ca } })).status, 200);
});
