import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { errorMessage, UserError } from "../errors.js";
import type { Logger } from "../util/logger.js";
import type { CertificatePair } from "./types.js";

// `tls: { cert, key }`: PEM files the user manages (certbot, a corporate CA). They are read again
// at every renewal check, so a certificate renewed on disk reaches the proxy without a restart.

const HINT = "write `tls: { cert: fullchain.pem, key: privkey.pem }` with PEM files readable by the user the berth daemon runs as";

export function readCertificateFiles(certFile: string, keyFile: string, hosts: string[], logger: Logger): CertificatePair {
  const certPem = readPemFile(certFile, "certificate");
  const keyPem = readPemFile(keyFile, "private key");
  const certificate = parseCertificate(certPem, certFile);
  const key = parseKey(keyPem, keyFile);
  if (!certificate.checkPrivateKey(key)) {
    throw new UserError(`the private key ${keyFile} does not belong to the certificate ${certFile}`, {
      hint: "point tls.key at the key the certificate was issued for (certbot: privkey.pem next to fullchain.pem)",
    });
  }
  const expiry = Date.parse(certificate.validTo);
  if (expiry < Date.now()) logger.warn("the TLS certificate file has expired", { file: certFile, expired: certificate.validTo });
  const uncovered = hosts.filter((host) => !certificate.checkHost(host.replace(/^\*\./, "wildcard-check.")));
  if (uncovered.length > 0) logger.warn("the TLS certificate file does not cover every host", { file: certFile, hosts: uncovered.join(",") });
  return { certPem, keyPem };
}

function readPemFile(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "it does not exist" : code === "EACCES" ? "permission denied" : errorMessage(error);
    throw new UserError(`cannot read the TLS ${what} file ${file}: ${reason}`, { hint: HINT });
  }
}

function parseCertificate(pem: string, file: string): X509Certificate {
  try {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
    return new X509Certificate(pem);
  } catch (error) {
    throw new UserError(`the TLS certificate file ${file} is not a usable certificate: ${errorMessage(error)}`, { hint: HINT });
  }
}

function parseKey(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    const encrypted = pem.includes("ENCRYPTED");
    throw new UserError(`the TLS private key file ${file} is not a usable private key: ${encrypted ? "it is encrypted" : errorMessage(error)}`, {
      hint: encrypted ? `remove the passphrase: openssl pkey -in ${file} -out key.pem` : HINT,
    });
  }
}
