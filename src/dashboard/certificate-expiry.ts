import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { berthHome } from "../util/paths.js";

// When a stack's certificate expires, from the metadata berth keeps beside the certificate it issued
// (src/proxy/certificate-store-cache.ts: $BERTH_HOME/certs/<stack>/certificate.json).

export type CertificateExpiry = { known: true; notAfter: string; source: string } | { known: false; reason: string };

export async function certificateExpiry(stack: string, home: string = berthHome()): Promise<CertificateExpiry> {
  let text: string;
  try {
    text = await readFile(join(home, "certs", stack, "certificate.json"), "utf8");
  } catch {
    return { known: false, reason: "no certificate issued by berth (no proxy, tls: off, or given cert files)" };
  }
  try {
    const metadata = JSON.parse(text) as { notAfter?: unknown; source?: { kind?: unknown } };
    if (typeof metadata.notAfter !== "string" || Number.isNaN(Date.parse(metadata.notAfter))) throw new Error("no notAfter");
    return { known: true, notAfter: metadata.notAfter, source: typeof metadata.source?.kind === "string" ? metadata.source.kind : "unknown" };
  } catch {
    return { known: false, reason: "its certificate.json cannot be read" };
  }
}
