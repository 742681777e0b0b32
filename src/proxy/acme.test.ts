import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { connect } from "node:tls";
import { startPebble } from "../../test/helpers/pebble.js";
import type { TlsMode } from "../config/types.js";
import { UserError } from "../errors.js";
import { createLogger, silentLogger } from "../util/logger.js";
import { AcmeChallengeStore } from "./acme-challenges.js";
import { accountKeyPathFor, checkAcmeHosts, obtainAcmeCertificate } from "./acme.js";
import { CertificateStore } from "./certificate-store.js";
import type { CertificatePair } from "./types.js";

function makeHome(t: TestContext): string {
  const home = mkdtempSync(join(tmpdir(), "berth-acme-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

interface Responder {
  port: number;
  challenges: AcmeChallengeStore;
  /** Host headers of the validation requests answered so far. */
  validations: string[];
  /** Answer with a wrong key authorization, as a misrouted host would. */
  answerWrongly: boolean;
}

/** The HTTP-01 side of the proxy in miniature: a real node:http server on loopback. */
async function startResponder(t: TestContext): Promise<Responder> {
  const responder: Responder = { port: 0, challenges: new AcmeChallengeStore(), validations: [], answerWrongly: false };
  const server = createServer((request, response) => {
    const prefix = "/.well-known/acme-challenge/";
    const answer = request.url?.startsWith(prefix) ? responder.challenges.get(request.url.slice(prefix.length)) : undefined;
    responder.validations.push(request.headers.host ?? "");
    if (answer === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { "content-type": "text/plain" }).end(responder.answerWrongly ? `${answer}x` : answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  responder.port = (server.address() as AddressInfo).port;
  return responder;
}

/** Whether a strict TLS client trusting only `rootPem` accepts `pair` for `servername`. */
async function verifiesAgainst(t: TestContext, pair: CertificatePair, rootPem: string, servername: string): Promise<string> {
  const server = createHttpsServer({ cert: pair.certPem, key: pair.keyPem });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, servername, ca: [rootPem] }, () => {
      resolve(socket.authorized ? "authorized" : String(socket.authorizationError));
      socket.end();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test("HTTP-01 cannot cover wildcards, addresses or local names: refused before ordering", () => {
  assert.deepEqual(checkAcmeHosts(["Shop.Example.org", "shop.example.org", "www.example.org"]), ["shop.example.org", "www.example.org"]);
  assert.throws(() => checkAcmeHosts(["*.example.org"]), (error: unknown) => error instanceof UserError && /wildcard/.test(error.message));
  assert.throws(() => checkAcmeHosts(["203.0.113.7"]), UserError);
  assert.throws(() => checkAcmeHosts(["localhost"]), UserError);
  assert.throws(() => checkAcmeHosts([]), UserError);
});

test("ACME against a real pebble", async (t) => {
  const responder = await startResponder(t);
  const pebble = await startPebble(t, { httpPort: responder.port });
  const root = await pebble.rootCertificate();
  const home = makeHome(t);
  const accountKeyPath = accountKeyPathFor(home, pebble.directoryUrl);
  const logLines: string[] = [];
  const logger = createLogger((line) => logLines.push(line), "debug");
  const order = (hosts: string[]) =>
    obtainAcmeCertificate({ directoryUrl: pebble.directoryUrl, email: "ops@berth-acme.test", hosts, accountKeyPath, challenges: responder.challenges, logger, caCertificates: pebble.caCertificates });

  await t.test("a certificate is obtained after real HTTP-01 validation and chains to pebble's root", async (t) => {
    const pair = await order(["berth-acme.test", "www.berth-acme.test"]);
    assert.ok(responder.validations.includes(`berth-acme.test:${responder.port}`), `pebble fetched the challenge: ${responder.validations.join(" ")}`);
    assert.ok(responder.validations.includes(`www.berth-acme.test:${responder.port}`));
    assert.deepEqual(responder.challenges.snapshot(), {}, "tokens are removed once the order is done");

    const leaf = new X509Certificate(pair.certPem);
    assert.equal(leaf.subjectAltName, "DNS:berth-acme.test, DNS:www.berth-acme.test");
    assert.match(pair.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(await verifiesAgainst(t, pair, root, "www.berth-acme.test"), "authorized");
    assert.equal(await verifiesAgainst(t, pair, root, "other.test"), "ERR_TLS_CERT_ALTNAME_INVALID");
    assert.equal(await verifiesAgainst(t, pair, pebble.caCertificates[0]!, "berth-acme.test"), "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "not trusted by another root");
  });

  await t.test("the account key is kept (0600) and reused; each order gets a fresh certificate key", async () => {
    const keyBefore = readFileSync(accountKeyPath, "utf8");
    assert.equal(statSync(accountKeyPath).mode & 0o777, 0o600);
    const first = await order(["second.berth-acme.test"]);
    const second = await order(["second.berth-acme.test"]);
    assert.equal(readFileSync(accountKeyPath, "utf8"), keyBefore);
    const accounts = new Set(logLines.filter((line) => line.includes("obtained an ACME certificate")).map((line) => /account=(\S+)/.exec(line)?.[1]));
    assert.equal(accounts.size, 1, `one account for every order: ${[...accounts].join(" ")}`);
    assert.notEqual(first.keyPem, second.keyPem);
  });

  await t.test("CertificateStore: cached, re-ordered when the hosts change or renewal is due", async () => {
    let clock = Date.now();
    const store = new CertificateStore(home, silentLogger, { acmeCaCertificates: pebble.caCertificates, now: () => new Date(clock) });
    const tls: TlsMode = { mode: "acme", email: null, directoryUrl: pebble.directoryUrl };
    const first = await store.certificateFor("shop", tls, ["shop.berth-acme.test"], responder.challenges);
    const validationsSoFar = responder.validations.length;
    assert.deepEqual(await store.certificateFor("shop", tls, ["shop.berth-acme.test"], responder.challenges), first);
    assert.equal(responder.validations.length, validationsSoFar, "served from the cache, no new order");

    const widened = await store.certificateFor("shop", tls, ["shop.berth-acme.test", "api.berth-acme.test"], responder.challenges);
    assert.equal(new X509Certificate(widened!.certPem).subjectAltName, "DNS:api.berth-acme.test, DNS:shop.berth-acme.test");

    // Pebble's certificates last five years; 29 days before the end of that, renewal is due.
    const expiry = Date.parse(new X509Certificate(widened!.certPem).validTo);
    clock = expiry - 29 * 86_400_000;
    const stack = { stackName: "shop", tls, hosts: ["shop.berth-acme.test", "api.berth-acme.test"] };
    const result = await store.renewDue([stack], responder.challenges);
    assert.equal(result.changed.length, 1);
    const renewed = new X509Certificate(result.changed[0]!.certificate!.certPem);
    assert.notEqual(renewed.serialNumber, new X509Certificate(widened!.certPem).serialNumber, "a new certificate was ordered");
    assert.equal(renewed.subjectAltName, "DNS:api.berth-acme.test, DNS:shop.berth-acme.test");
  });

  await t.test("validation is real: a wrong answer fails the order with a UserError saying what to check", async () => {
    responder.answerWrongly = true;
    t.after(() => (responder.answerWrongly = false));
    const store = new CertificateStore(home, silentLogger, { acmeCaCertificates: pebble.caCertificates });
    const tls: TlsMode = { mode: "acme", email: null, directoryUrl: pebble.directoryUrl };
    await assert.rejects(store.certificateFor("wrong", tls, ["wrong.berth-acme.test"], responder.challenges), (error: unknown) => {
      assert.ok(error instanceof UserError, String(error));
      assert.match(error.message, /could not obtain a certificate for wrong\.berth-acme\.test from https:\/\/127\.0\.0\.1:\d+\/dir: /);
      assert.match(error.options.hint ?? "", /port 80/);
      return true;
    });
    responder.answerWrongly = false;
  });
});
