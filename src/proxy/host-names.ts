import { hostname, networkInterfaces } from "node:os";

const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * What a client may type to reach this machine without a stack's host name: its host name and its
 * addresses (loopback ones are added to every leaf by local-ca.ts). Link-local IPv6 addresses are
 * left out: they need a zone (`%eth0`) that a certificate cannot name.
 */
export function hostCertificateNames(interfaces = networkInterfaces(), name = hostname()): string[] {
  const names = DNS_NAME.test(name) ? [name.toLowerCase()] : [];
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      if (address.internal || address.address.toLowerCase().startsWith("fe80:")) continue;
      names.push(address.address.toLowerCase());
    }
  }
  return [...new Set(names)];
}
