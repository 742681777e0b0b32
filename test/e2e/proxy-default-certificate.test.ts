import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { berthOk, FIXTURES, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { freePorts, proxyEnv } from "../helpers/proxy-client.js";

const HTTP_APP = join(FIXTURES, "apps", "http-app.mjs");

interface NoServerNameAnswer {
  status: number;
  body: string;
  certificate: PeerCertificate;
  /** The server name the client sent: false when it sent none. */
  sentServerName: string | false;
}

/** GET https://127.0.0.1:<port>/ as a client typing an IP address does: no SNI, the CA verifies the certificate. */
function getWithoutServerName(port: number, ca: string): Promise<NoServerNameAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: "127.0.0.1", port, path: "/", ca, agent: false }, (response) => {
      const socket = response.socket as TLSSocket;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body, certificate: socket.getPeerCertificate(), sentServerName: (socket as unknown as { servername: string | false }).servername }),
      );
    });
    request.setTimeout(15_000, () => request.destroy(new Error("timeout")));
    request.on("error", reject);
    request.end();
  });
}

/** Asks again (connection errors while the proxy starts count as "not yet") until an answer passes `accepted`. */
function waitForAnswerWithoutServerName(port: number, ca: string, accepted: (answer: NoServerNameAnswer) => boolean, what: string): Promise<NoServerNameAnswer> {
  return waitFor(async () => {
    const reply = await getWithoutServerName(port, ca).catch(() => undefined);
    return reply && accepted(reply) ? reply : undefined;
  }, what);
}

function writeStack(t: TestContext, name: string, host: string): string {
  const cwd = tempDir(t, `berth-${name}-`);
  mkdirSync(cwd, { recursive: true });
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: ${name}
services:
  web:
    command: ${process.execPath} ${HTTP_APP}
    port: auto
proxy:
  hosts: [${host}]
`,
  );
  return cwd;
}

test("a TLS client that sends no server name gets the only stack's certificate, verified by berth's CA", async (t) => {
  const home = makeHome(t);
  const cwd = writeStack(t, "solo", "solo.test");
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);
  await berthOk(["up", "-d"], { home, cwd, env });
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");

  const answer = await waitForAnswerWithoutServerName(httpsPort!, ca, (reply) => reply.status === 200, "https://127.0.0.1/ answered without SNI");
  assert.equal(answer.sentServerName, false, "the client sent no server name");
  assert.match(answer.body, /^ok pid=/);
  assert.match(answer.certificate.subjectaltname ?? "", /DNS:solo\.test/, "the stack's own certificate");
  assert.match(answer.certificate.subjectaltname ?? "", /IP Address:127\.0\.0\.1/);
});

test("with two stacks on TLS, a client without a server name gets the local CA's host certificate", async (t) => {
  const home = makeHome(t);
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);
  await berthOk(["up", "-d"], { home, cwd: writeStack(t, "first", "first.test"), env });
  await berthOk(["up", "-d"], { home, cwd: writeStack(t, "second", "second.test"), env });
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");

  const answer = await waitForAnswerWithoutServerName(
    httpsPort!,
    ca,
    (reply) => !/first\.test|second\.test/.test(reply.certificate.subjectaltname ?? ""),
    "the host certificate served without SNI",
  );
  assert.equal(answer.status, 200, "127.0.0.1 still reaches the first stack");
  assert.match(answer.certificate.subjectaltname ?? "", /IP Address:127\.0\.0\.1/);
  assert.match(answer.certificate.subjectaltname ?? "", /IP Address:0:0:0:0:0:0:0:1|IP Address:::1/);
});

test("a stack's own TLS port gives clients without a server name its current certificate, reissued when its hosts change", async (t) => {
  const home = makeHome(t);
  const [httpPort, httpsPort, ownPort] = await freePorts(3);
  const env = proxyEnv(httpPort!, httpsPort!);
  const cwd = writeStack(t, "own", "own.test");
  const stackFile = join(cwd, "berth.yml");
  writeFileSync(stackFile, readFileSync(stackFile, "utf8") + `  listen_tls: [${ownPort}]\n`);
  await berthOk(["up", "-d"], { home, cwd, env });
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");
  const first = await waitForAnswerWithoutServerName(ownPort!, ca, (reply) => reply.status === 200, "the own TLS port answered without SNI");
  assert.match(first.certificate.subjectaltname ?? "", /DNS:own\.test/);
  assert.doesNotMatch(first.certificate.subjectaltname ?? "", /DNS:www\.own\.test/);

  writeFileSync(stackFile, readFileSync(stackFile, "utf8").replace("hosts: [own.test]", "hosts: [own.test, www.own.test]"));
  await berthOk(["up", "-d"], { home, cwd, env });
  const second = await waitForAnswerWithoutServerName(
    ownPort!,
    ca,
    (reply) => reply.status === 200 && /DNS:www\.own\.test/.test(reply.certificate.subjectaltname ?? ""),
    "the reissued certificate on the own TLS port, without SNI",
  );
  assert.match(second.certificate.subjectaltname ?? "", /DNS:own\.test/);
});
