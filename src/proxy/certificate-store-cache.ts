import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { CertificatePair } from "./types.js";

// A stack's issued certificate on disk, $BERTH_HOME/certs/<stack>/: cert.pem (0644), key.pem (0600)
// and certificate.json saying where it came from and for which hosts. The three files are written
// one after another, so a reader checks they belong together (fingerprint, key) and otherwise
// treats the cache as empty: a crash mid-write costs a re-issue, never a mismatched pair.

export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export type CertificateSource = { kind: "self-signed" } | { kind: "acme"; directoryUrl: string };

export interface CachedCertificate {
  pair: CertificatePair;
  source: CertificateSource;
  /** The hosts asked for when it was issued, normalised by `normaliseHosts`. */
  hosts: string[];
  notAfter: Date;
}

interface CacheMetadata {
  source: CertificateSource;
  hosts: string[];
  /** SHA-256 of the leaf certificate's DER. */
  fingerprint: string;
  notAfter: string;
}

export function certificateCacheDirectory(home: string, stackName: string): string {
  // Stack names are validated by the config loader; this guards the path against a future caller.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stackName) || stackName.includes("..")) throw new Error(`invalid stack name for a certificate directory: ${JSON.stringify(stackName)}`);
  return join(home, "certs", stackName);
}

export function readCachedCertificate(directory: string): CachedCertificate | null {
  try {
    const metadata = JSON.parse(readFileSync(join(directory, "certificate.json"), "utf8")) as CacheMetadata;
    const certPem = readFileSync(join(directory, "cert.pem"), "utf8");
    const keyPem = readFileSync(join(directory, "key.pem"), "utf8");
    const leaf = new X509Certificate(certPem);
    if (leafFingerprint(certPem) !== metadata.fingerprint || !leaf.checkPrivateKey(createPrivateKey(keyPem))) return null;
    return { pair: { certPem, keyPem }, source: metadata.source, hosts: metadata.hosts, notAfter: new Date(Date.parse(leaf.validTo)) };
  } catch {
    return null;
  }
}

export function writeCachedCertificate(directory: string, pair: CertificatePair, source: CertificateSource, hosts: string[]): void {
  const metadata: CacheMetadata = {
    source,
    hosts,
    fingerprint: leafFingerprint(pair.certPem),
    notAfter: certificateExpiry(pair.certPem).toISOString(),
  };
  writeFileAtomic(join(directory, "key.pem"), pair.keyPem, 0o600);
  writeFileAtomic(join(directory, "cert.pem"), pair.certPem, 0o644);
  writeFileAtomic(join(directory, "certificate.json"), JSON.stringify(metadata, null, 2) + "\n", 0o644);
}

/** True when the certificate expires within `renewBeforeDays` of `now` (or already has). */
export function needsRenewal(certPem: string, now: Date = new Date(), renewBeforeDays = RENEW_BEFORE_DAYS): boolean {
  return certificateExpiry(certPem).getTime() - now.getTime() < renewBeforeDays * DAY_MS;
}

/** The first certificate's notAfter. */
export function certificateExpiry(certPem: string): Date {
  return new Date(Date.parse(new X509Certificate(certPem).validTo));
}

/** SHA-256 of the first certificate's DER, hex: tells whether two PEM bundles carry the same leaf. */
export function leafFingerprint(certPem: string): string {
  return createHash("sha256").update(new X509Certificate(certPem).raw).digest("hex");
}

/** Lower-cased, unique and sorted, so that reordering proxy.hosts does not re-issue. */
export function normaliseHosts(hosts: string[]): string[] {
  return [...new Set(hosts.map((host) => host.toLowerCase()))].sort();
}

export function sameSource(a: CertificateSource, b: CertificateSource): boolean {
  return a.kind === b.kind && (a.kind !== "acme" || (b.kind === "acme" && a.directoryUrl === b.directoryUrl));
}
