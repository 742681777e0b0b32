// @peculiar/x509 2.x needs a Reflect metadata polyfill loaded before it (its README, "Reflect Polyfill Required").
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { isIP } from "node:net";
import { errorMessage, UserError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { CertificatePair } from "./types.js";

// berth's local certificate authority: one per BERTH_HOME, created on first use, so a user trusts it
// once and every `tls: self-signed` stack on the machine is then trusted too (the mkcert approach).
// Certificates follow RFC 5280; the leaf profile keeps to what browsers require today
// (SANs only, serverAuth EKU, validity well under 398 days).

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const CA_VALIDITY_YEARS = 10;
export const LEAF_VALIDITY_DAYS = 90;
/** Backdated so a client whose clock runs a little behind still accepts a fresh certificate. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const EC_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
/** Names every self-signed leaf carries, so `https://localhost:<port>` works for any stack. */
const ALWAYS_INCLUDED_NAMES = ["localhost", "127.0.0.1", "::1"];

export interface LocalCaPaths {
  directory: string;
  certificate: string;
  key: string;
}

export interface LocalCa {
  paths: LocalCaPaths;
  certPem: string;
  keyPem: string;
  /** True when this call generated the CA (nothing was on disk before). */
  newlyCreated: boolean;
}

export function localCaPaths(home: string): LocalCaPaths {
  const directory = join(home, "ca");
  return { directory, certificate: join(directory, "ca.crt"), key: join(directory, "ca.key") };
}

/** The CA under `home`, generated the first time it is asked for. Safe when two processes race to create it. */
export async function loadOrCreateLocalCa(home: string, logger: Logger = silentLogger): Promise<LocalCa> {
  const paths = localCaPaths(home);
  if (existsSync(paths.certificate) || existsSync(paths.key)) return loadLocalCa(paths);
  const { certPem, keyPem } = await generateCa();
  if (!publishCaDirectory(home, paths, certPem, keyPem)) return loadLocalCa(paths);
  logger.info("created berth's local CA", { certificate: paths.certificate });
  return { paths, certPem, keyPem, newlyCreated: true };
}

/**
 * A server certificate for `hosts` (plus localhost, 127.0.0.1 and ::1) signed by the CA. `certPem`
 * holds the leaf followed by the CA certificate; `keyPem` is PKCS#8.
 */
export async function issueLeafCertificate(ca: LocalCa, hosts: string[], now: Date = new Date()): Promise<CertificatePair> {
  const caCertificate = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const names = leafNames(hosts);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [names[0]!] }],
    issuer: caCertificate.subject,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((name): x509.JsonGeneralName => ({ type: isIP(name) ? "ip" : "dns", value: name }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
    ],
  });
  return {
    certPem: `${leaf.toString("pem")}\n${ca.certPem.trim()}\n`,
    keyPem: await exportPrivateKey(keys.privateKey),
  };
}

/** The leaf's names, lower-cased and without duplicates, the stack's own hosts first. */
export function leafNames(hosts: string[]): string[] {
  return [...new Set([...hosts, ...ALWAYS_INCLUDED_NAMES].map((name) => name.toLowerCase()))];
}

/** Whether `certPem`'s first certificate was signed by this CA (it was not if the CA was replaced). */
export function isIssuedBy(ca: LocalCa, certPem: string): boolean {
  try {
    const leaf = new X509Certificate(certPem);
    const authority = new X509Certificate(ca.certPem);
    return leaf.checkIssued(authority) && leaf.verify(authority.publicKey);
  } catch {
    return false;
  }
}

async function generateCa(): Promise<CertificatePair> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const now = Date.now();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [`berth local CA (${hostname()})`] }, { O: ["berth"] }],
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificate.toString("pem") + "\n", keyPem: await exportPrivateKey(keys.privateKey) };
}

/**
 * Writes both files into a private temporary directory, then renames the directory into place:
 * a reader sees no CA or a whole one, and of two racing processes exactly one wins (rename onto a
 * non-empty directory fails). Returns false when another process won.
 */
function publishCaDirectory(home: string, paths: LocalCaPaths, certPem: string, keyPem: string): boolean {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(home, ".ca-"));
  try {
    writeFileAtomic(join(staging, "ca.key"), keyPem, 0o600);
    writeFileAtomic(join(staging, "ca.crt"), certPem, 0o644);
    renameSync(staging, paths.directory);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function loadLocalCa(paths: LocalCaPaths): LocalCa {
  try {
    const certPem = readFileSync(paths.certificate, "utf8");
    const keyPem = readFileSync(paths.key, "utf8");
    if (!new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem))) throw new Error("ca.crt and ca.key do not belong together");
    return { paths, certPem, keyPem, newlyCreated: false };
  } catch (error) {
    throw new UserError(`berth's local CA in ${paths.directory} is unusable: ${errorMessage(error)}`, {
      hint: `move ${paths.directory} aside and berth creates a new CA (browsers and systems that trusted the old one must trust the new one)`,
    });
  }
}

async function importPrivateKey(keyPem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(keyPem);
  return (await webcrypto.subtle.importKey("pkcs8", der, EC_P256, false, ["sign"])) as CryptoKey;
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

/** 128 random bits with the top bit clear: positive and unique, as RFC 5280 section 4.1.2.2 asks. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString("hex");
}
