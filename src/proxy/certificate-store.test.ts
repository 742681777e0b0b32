import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { TlsMode } from "../config/types.js";
import { UserError } from "../errors.js";
import { silentLogger } from "../util/logger.js";
import { AcmeChallengeStore } from "./acme-challenges.js";
import { CertificateStore, needsRenewal } from "./certificate-store.js";
import { issueLeafCertificate, loadOrCreateLocalCa, localCaPaths } from "./local-ca.js";

const SELF_SIGNED: TlsMode = { mode: "self-signed" };
const DAY_MS = 86_400_000;
const challenges = new AcmeChallengeStore();

function makeHome(t: TestContext): string {
  const home = mkdtempSync(join(tmpdir(), "berth-certs-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

function namesOf(certPem: string): string | undefined {
  return new X509Certificate(certPem).subjectAltName;
}

test("tls off has no certificate", async (t) => {
  const store = new CertificateStore(makeHome(t), silentLogger);
  assert.equal(await store.certificateFor("web", { mode: "off" }, ["app.test"], challenges), null);
});

test("self-signed: issued once, cached under certs/<stack>/, reused while the hosts stay the same", async (t) => {
  const home = makeHome(t);
  const first = await new CertificateStore(home, silentLogger).certificateFor("shop", SELF_SIGNED, ["shop.test", "www.shop.test"], challenges);
  assert.ok(first);
  assert.equal(namesOf(first.certPem), "DNS:shop.test, DNS:www.shop.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
  const directory = join(home, "certs", "shop");
  assert.deepEqual(readdirSync(directory).sort(), ["cert.pem", "certificate.json", "key.pem"]);
  assert.equal(statSync(join(directory, "key.pem")).mode & 0o777, 0o600);
  assert.equal(statSync(directory).mode & 0o777, 0o700);

  // A new store (a restarted daemon) serves the cached certificate; host order and case do not matter.
  const again = await new CertificateStore(home, silentLogger).certificateFor("shop", SELF_SIGNED, ["WWW.shop.test", "shop.test"], challenges);
  assert.deepEqual(again, first);
});

test("self-signed: re-issued when the host list changes, when it nears expiry, and when the CA is replaced", async (t) => {
  const home = makeHome(t);
  const store = new CertificateStore(home, silentLogger);
  const original = await store.certificateFor("shop", SELF_SIGNED, ["shop.test"], challenges);

  const widened = await store.certificateFor("shop", SELF_SIGNED, ["shop.test", "admin.shop.test"], challenges);
  assert.notEqual(widened?.certPem, original?.certPem);
  assert.match(namesOf(widened!.certPem)!, /DNS:admin\.shop\.test/);

  const in61Days = new CertificateStore(home, silentLogger, { now: () => new Date(Date.now() + 61 * DAY_MS) });
  const renewed = await in61Days.certificateFor("shop", SELF_SIGNED, ["shop.test", "admin.shop.test"], challenges);
  assert.notEqual(renewed?.certPem, widened?.certPem, "29 days left: inside the 30-day window");

  rmSync(localCaPaths(home).directory, { recursive: true });
  const fresh = new CertificateStore(home, silentLogger);
  const reissued = await fresh.certificateFor("shop", SELF_SIGNED, ["shop.test", "admin.shop.test"], challenges);
  const newCa = new X509Certificate((await loadOrCreateLocalCa(home)).certPem);
  assert.ok(new X509Certificate(reissued!.certPem).checkIssued(newCa), "the cached leaf of the old CA is not served");
});

test("renewDue renews what is due and reports only the stacks whose certificate changed", async (t) => {
  const home = makeHome(t);
  let clock = Date.now();
  const store = new CertificateStore(home, silentLogger, { now: () => new Date(clock) });
  const stacks = [
    { stackName: "shop", tls: SELF_SIGNED, hosts: ["shop.test"] },
    { stackName: "blog", tls: SELF_SIGNED, hosts: ["blog.test"] },
    { stackName: "plain", tls: { mode: "off" } as TlsMode, hosts: ["plain.test"] },
  ];
  const served = new Map<string, unknown>();
  for (const stack of stacks) served.set(stack.stackName, await store.certificateFor(stack.stackName, stack.tls, stack.hosts, challenges));
  assert.deepEqual(await store.renewDue(stacks, challenges), { changed: [], failed: [] });

  clock += 70 * DAY_MS;
  const broken = { stackName: "broken", tls: { mode: "files", certFile: join(home, "nope.pem"), keyFile: join(home, "nope.key") } as TlsMode, hosts: [] };
  const result = await store.renewDue([...stacks, broken], challenges);
  assert.deepEqual(result.changed.map((entry) => entry.stackName), ["shop", "blog"]);
  for (const { stackName, certificate } of result.changed) assert.notDeepEqual(certificate, served.get(stackName));
  assert.deepEqual(result.failed.map((entry) => entry.stackName), ["broken"], "one failing stack does not stop the others");
  assert.deepEqual((await store.renewDue(stacks, challenges)).changed, []);
});

test("files: the PEM pair is served as it is, and re-read at every check", async (t) => {
  const home = makeHome(t);
  const ca = await loadOrCreateLocalCa(home);
  const pair = await issueLeafCertificate(ca, ["files.test"]);
  const tls: TlsMode = { mode: "files", certFile: join(home, "fullchain.pem"), keyFile: join(home, "privkey.pem") };
  writeFileSync(tls.certFile, pair.certPem);
  writeFileSync(tls.keyFile, pair.keyPem);
  const store = new CertificateStore(home, silentLogger);
  assert.deepEqual(await store.certificateFor("files", tls, ["files.test"], challenges), pair);

  const replaced = await issueLeafCertificate(ca, ["files.test"]);
  writeFileSync(tls.certFile, replaced.certPem);
  writeFileSync(tls.keyFile, replaced.keyPem);
  const result = await store.renewDue([{ stackName: "files", tls, hosts: ["files.test"] }], challenges);
  assert.deepEqual(result.changed, [{ stackName: "files", certificate: replaced }]);
});

test("files: a key that does not match the certificate, or a missing file, is the user's to fix", async (t) => {
  const home = makeHome(t);
  const ca = await loadOrCreateLocalCa(home);
  const certFile = join(home, "fullchain.pem");
  const keyFile = join(home, "privkey.pem");
  writeFileSync(certFile, (await issueLeafCertificate(ca, ["files.test"])).certPem);
  writeFileSync(keyFile, (await issueLeafCertificate(ca, ["files.test"])).keyPem);
  const store = new CertificateStore(home, silentLogger);

  await assert.rejects(store.certificateFor("files", { mode: "files", certFile, keyFile }, ["files.test"], challenges), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `the private key ${keyFile} does not belong to the certificate ${certFile}`);
    assert.ok(error.options.hint);
    return true;
  });
  const missing = join(home, "missing.pem");
  await assert.rejects(store.certificateFor("files", { mode: "files", certFile: missing, keyFile }, ["files.test"], challenges), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `cannot read the TLS certificate file ${missing}: it does not exist`);
    return true;
  });
  writeFileSync(missing, "hello");
  await assert.rejects(store.certificateFor("files", { mode: "files", certFile: missing, keyFile }, ["files.test"], challenges), /is not a usable certificate/);
});

test("needsRenewal: true within 30 days of expiry", async (t) => {
  const ca = await loadOrCreateLocalCa(makeHome(t));
  const { certPem } = await issueLeafCertificate(ca, ["x.test"]);
  assert.equal(needsRenewal(certPem), false);
  assert.equal(needsRenewal(certPem, new Date(Date.now() + 59 * DAY_MS)), false);
  assert.equal(needsRenewal(certPem, new Date(Date.now() + 61 * DAY_MS)), true);
  assert.equal(needsRenewal(certPem, new Date(Date.now() + 100 * DAY_MS)), true);
});
