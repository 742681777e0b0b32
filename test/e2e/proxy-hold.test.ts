import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { berthJson, berthOk, FIXTURES, makeHome, tempDir, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");

test("a one-replica app killed with -9 three times under load: requests are held until it is back, none fails; so is a websocket opened while it is down", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-hold-");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: held
services:
  web:
    command: ${process.execPath} ${STREAM_APP}
    health: { http: /health, interval: 200ms }
proxy:
  hosts: [hold.test]
  hold: 10s
`,
  );
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!) };
  await berthOk(["up", "-d"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");
  const servingPid = async () => {
    const [row] = await berthJson<PsRow[]>(["ps"], options);
    // Three exits in a row mark the replica crash-looping; healthy again, it still takes the traffic.
    return row?.pid && row.health === "healthy" ? row.pid : undefined;
  };
  let pid = await waitFor(servingPid, "the replica healthy", 60_000);
  await waitFor(async () => (await proxyRequest({ port: httpsPort!, host: "hold.test", path: "/", tls: { ca } })).status === 200, "served through the proxy");

  const load = startLoad({ port: httpsPort!, host: "hold.test", ca, concurrency: 4 });
  for (let kill = 1; kill <= 3; kill++) {
    const before = load.peek().requests;
    await waitFor(() => load.peek().requests > before + 20, "load flowing before the kill");
    process.kill(pid!, "SIGKILL");
    const killed = pid;
    pid = await waitFor(async () => {
      const next = await servingPid();
      return next !== undefined && next !== killed ? next : undefined;
    }, `the replica restarted after kill ${kill}`, 60_000);
  }
  const afterRestarts = load.peek().requests;
  await waitFor(() => load.peek().requests > afterRestarts + 20, "load served after the last restart");
  const report = await load.stop();
  assert.equal(report.failures, 0, `failed requests: ${report.failureSamples.join(" | ")}`);
  assert.ok(report.requests > 100, `enough load was applied (${report.requests})`);

  process.kill(pid!, "SIGKILL");
  // servername (SNI) is passed through to tls.connect by ws, though its option type does not list it.
  const socket = new WebSocket(`wss://127.0.0.1:${httpsPort}/socket`, { headers: { host: "hold.test" }, servername: "hold.test", ca } as WebSocket.ClientOptions);
  const reply = await new Promise<string>((resolve, reject) => {
    socket.once("open", () => socket.send("after the crash"));
    socket.once("message", (data) => resolve(String(data)));
    socket.once("error", reject);
  });
  assert.equal(reply, "echo: after the crash", "the websocket handshake waited for the restarted replica");
  socket.close();
});
