import type { CertificatePair, SiteEntry } from "./types.js";

/**
 * The certificate for TLS clients that send no server name (a URL with an IP address, old clients):
 * with one stack on TLS, that stack's, so `https://<server IP>/` reaches it as `localhost` does;
 * with several, none of them can speak for the others, so the local CA's host certificate (asked
 * for only then); with none, null.
 */
export async function chooseDefaultCertificate(sites: SiteEntry[], hostCertificate: () => Promise<CertificatePair | null>): Promise<CertificatePair | null> {
  const certificates = sites.flatMap((site) => (site.certificate ? [site.certificate] : []));
  if (certificates.length === 0) return null;
  if (certificates.length === 1) return certificates[0]!;
  return hostCertificate();
}
