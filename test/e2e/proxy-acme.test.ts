import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect } from "node:tls";
import { join } from "node:path";
import { berthJson, berthOk, FIXTURES, makeHome, waitFor, type PsRow, tempDir } from "../helpers/berth-cli.js";
import { startPebble } from "../helpers/pebble.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");

test("tls: acme obtains a certificate from a real ACME server (pebble) over HTTP-01 on berth's listener, and serves it", async (t) => {
  const [httpPort, httpsPort] = await freePorts(2);
  const pebble = await startPebble(t, { httpPort: httpPort! });
  const home = makeHome(t);
  const trustFile = join(home, "pebble-directory-ca.pem");
  writeFileSync(trustFile, pebble.caCertificates.join("\n"));
  const cwd = tempDir(t, "berth-acme-");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: acmesite
services:
  web:
    command: ${process.execPath} ${STREAM_APP}
    health: { http: /health, interval: 500ms }
proxy:
  hosts: [berth-acme.test]
  tls: { acme: { email: ops@berth-acme.test, directory: "${pebble.directoryUrl}" } }
`,
  );
  const env = { ...proxyEnv(httpPort!, httpsPort!), BERTH_ACME_CA_FILE: trustFile };
  await berthOk(["up", "-d"], { home, cwd, env });
  await waitFor(async () => (await berthJson<PsRow[]>(["ps"], { home, cwd, env })).every((row) => row.health === "healthy"), "healthy");

  const root = await pebble.rootCertificate();
  const answer = await waitFor(async () => {
    const reply = await proxyRequest({ port: httpsPort!, host: "berth-acme.test", path: "/", tls: { ca: root } });
    return reply.status === 200 ? reply : undefined;
  }, "the app over HTTPS with pebble's certificate");
  assert.match(answer.text, /^hello from v1/);

  const issuer = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: httpsPort!, servername: "berth-acme.test", ca: root }, () => {
      const certificate = socket.getPeerCertificate(true);
      socket.end();
      resolve(`${certificate.issuer.CN ?? ""} ${certificate.subjectaltname ?? ""}`);
    });
    socket.on("error", reject);
  });
  assert.match(issuer, /pebble/i);
  assert.match(issuer, /DNS:berth-acme\.test/);
  await berthOk(["down"], { home, cwd, env });
});
