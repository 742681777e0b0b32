import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { connect, type ConnectionOptions } from "node:tls";
import { UserError } from "../errors.js";
import { issueLeafCertificate, loadOrCreateLocalCa, localCaPaths } from "./local-ca.js";
import type { CertificatePair } from "./types.js";

function makeHome(t: TestContext): string {
  const home = mkdtempSync(join(tmpdir(), "berth-ca-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

/** A real HTTPS server on 127.0.0.1 serving `pair`; returns its port. */
async function serve(t: TestContext, pair: CertificatePair): Promise<number> {
  const server = createServer({ cert: pair.certPem, key: pair.keyPem }, (_request, response) => response.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** Handshakes as a strict client; resolves "authorized" or the verification error's code. */
function handshake(port: number, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ...options }, () => {
      resolve(socket.authorized ? "authorized" : String(socket.authorizationError));
      socket.end();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test("the local CA is created once, with private files, and then reused", async (t) => {
  const home = makeHome(t);
  const [first, second] = await Promise.all([loadOrCreateLocalCa(home), loadOrCreateLocalCa(home)]);
  assert.equal(first.certPem, second.certPem, "two racing callers end up with the same CA");
  assert.equal([first, second].filter((ca) => ca.newlyCreated).length, 1);
  const again = await loadOrCreateLocalCa(home);
  assert.equal(again.newlyCreated, false);
  assert.equal(again.certPem, first.certPem);

  const paths = localCaPaths(home);
  assert.equal(statSync(paths.directory).mode & 0o777, 0o700);
  assert.equal(statSync(paths.certificate).mode & 0o777, 0o644);
  assert.equal(statSync(paths.key).mode & 0o777, 0o600);

  const certificate = new X509Certificate(first.certPem);
  assert.equal(certificate.ca, true);
  assert.match(certificate.subject, /CN=berth local CA \(/);
  const years = (Date.parse(certificate.validTo) - Date.now()) / (365.25 * 86_400_000);
  assert.ok(years > 9.9 && years < 10.1, `valid for ${years} years`);
  assert.match(execFileSync("openssl", ["x509", "-noout", "-text"], { input: first.certPem, encoding: "utf8" }), /CA:TRUE, pathlen:0[\s\S]*Certificate Sign, CRL Sign/);
});

test("a damaged CA is reported, not silently replaced", async (t) => {
  const home = makeHome(t);
  await loadOrCreateLocalCa(home);
  writeFileSync(localCaPaths(home).key, "not a key");
  await assert.rejects(loadOrCreateLocalCa(home), (error: unknown) => error instanceof UserError && /local CA .* is unusable/.test(error.message));
});

test("Node's TLS accepts a leaf for its hosts, localhost and 127.0.0.1, and rejects other names", async (t) => {
  const ca = await loadOrCreateLocalCa(makeHome(t));
  const port = await serve(t, await issueLeafCertificate(ca, ["App.Berth.test", "*.apps.berth.test"]));
  const trusting = { ca: [ca.certPem] };
  assert.equal(await handshake(port, { ...trusting, servername: "localhost" }), "authorized");
  assert.equal(await handshake(port, { ...trusting, servername: "app.berth.test" }), "authorized");
  assert.equal(await handshake(port, { ...trusting, servername: "one.apps.berth.test" }), "authorized");
  assert.equal(await handshake(port, { ...trusting }), "authorized", "IP SAN 127.0.0.1");
  assert.equal(await handshake(port, { ...trusting, servername: "other.test" }), "ERR_TLS_CERT_ALTNAME_INVALID");
  assert.equal(await handshake(port, { servername: "localhost" }), "SELF_SIGNED_CERT_IN_CHAIN", "untrusted without the CA");
});

test("openssl verifies the leaf against ca.crt for TLS server use", async (t) => {
  const home = makeHome(t);
  const ca = await loadOrCreateLocalCa(home);
  const leaf = await issueLeafCertificate(ca, ["app.berth.test"]);
  const leafFile = join(home, "leaf.pem");
  writeFileSync(leafFile, leaf.certPem);
  const output = execFileSync("openssl", ["verify", "-CAfile", localCaPaths(home).certificate, "-purpose", "sslserver", leafFile], { encoding: "utf8" });
  assert.equal(output.trim(), `${leafFile}: OK`);

  const certificate = new X509Certificate(leaf.certPem);
  assert.equal(certificate.ca, false);
  assert.equal(certificate.subjectAltName, "DNS:app.berth.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
  assert.deepEqual(certificate.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  const days = (Date.parse(certificate.validTo) - Date.now()) / 86_400_000;
  assert.ok(days > 89 && days <= 90, `valid for ${days} days`);
  assert.match(leaf.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: leaf.certPem, encoding: "utf8" });
  assert.match(text, /Key Usage: critical\s+Digital Signature\n/);
  assert.match(text, /Authority Key Identifier/);
  assert.match(text, /Subject Key Identifier/);
  assert.match(text, /NIST CURVE: P-256/);
});
