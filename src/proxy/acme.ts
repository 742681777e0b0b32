import * as acme from "acme-client";
import { linkSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:https";
import { isIP } from "node:net";
import { dirname, join } from "node:path";
import { errorMessage, UserError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { Logger } from "../util/logger.js";
import type { CertificatePair } from "./types.js";

// Certificates from an ACME CA (RFC 8555) with the HTTP-01 challenge only (section 8.3): the CA
// fetches http://<host>/.well-known/acme-challenge/<token> on port 80, which berth's proxy answers
// from the tokens handed to `challenges`. HTTP-01 cannot prove wildcard names (those need DNS-01),
// and public CAs do not certify local names, so such hosts are refused before anything is ordered;
// so are IP addresses (RFC 8738), which few CAs certify and then only with special profiles.

/**
 * How the order and its challenges are polled: first after 1 s, doubling up to 30 s, about 3.5 minutes
 * in all. acme-client's default starts at 5 s, which makes every order take at least 5 s although
 * CAs usually validate within a second or two; the total patience is the same.
 */
const POLLING = { backoffMin: 1_000, backoffMax: 30_000, backoffAttempts: 12 };

/** Where the proxy answers HTTP-01 requests from. `set` may return a promise that settles once every proxy worker can answer. */
export interface AcmeChallengeResponder {
  set(token: string, keyAuthorization: string): void | Promise<void>;
  remove(token: string): void | Promise<void>;
}

export interface AcmeOrderOptions {
  directoryUrl: string;
  /** Contact address registered with the account; null registers none. */
  email: string | null;
  hosts: string[];
  /** The account's private key: created (0600) when missing, reused afterwards. */
  accountKeyPath: string;
  challenges: AcmeChallengeResponder;
  logger: Logger;
  /** PEM certificates to trust for the ACME directory's own HTTPS (a test CA such as pebble); system roots otherwise. */
  caCertificates?: string[];
}

/** Obtains a certificate for `hosts` with a fresh P-256 key. certPem is the leaf followed by the CA's chain. */
export async function obtainAcmeCertificate(options: AcmeOrderOptions): Promise<CertificatePair> {
  const hosts = checkAcmeHosts(options.hosts);
  const logger = options.logger.child({ directory: options.directoryUrl });
  const { key: accountKey, created } = await loadOrCreateAccountKey(options.accountKeyPath, logger);
  const client = new acme.Client({ directoryUrl: options.directoryUrl, accountKey, ...POLLING });
  const certificateKey = await acme.crypto.createPrivateEcdsaKey("P-256");
  // The common name is limited to 64 characters (RFC 5280 upper bound); the SANs are what count.
  const commonName = hosts.find((host) => host.length <= 64);
  const [, csr] = await acme.crypto.createCsr({ ...(commonName ? { commonName } : {}), altNames: hosts }, certificateKey);
  const stopTrusting = trustCaCertificatesFor(options.directoryUrl, options.caCertificates);
  try {
    await registerAccount(client, options.email, created, logger);
    logger.info("ordering an ACME certificate", { hosts: hosts.join(",") });
    // The account is registered above, so auto() goes straight to the order.
    const certPem = await client.auto({
      csr,
      challengePriority: ["http-01"],
      // acme-client's own pre-check fetches the challenge URL through this machine's DNS on port 80,
      // which fails behind NAT without hairpinning; the CA's validation result is the one that counts.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authorization, challenge, keyAuthorization) => {
        if (challenge.type !== "http-01") throw new Error(`the CA offered no http-01 challenge (only ${challenge.type})`);
        await options.challenges.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authorization, challenge) => {
        await options.challenges.remove(challenge.token);
      },
    });
    logger.info("obtained an ACME certificate", { hosts: hosts.join(","), account: client.getAccountUrl() });
    return { certPem: certPem.endsWith("\n") ? certPem : `${certPem}\n`, keyPem: certificateKey.toString() };
  } finally {
    stopTrusting();
  }
}

/** Hosts an HTTP-01 order can cover, lower-cased and unique; a UserError naming the others. */
export function checkAcmeHosts(hosts: string[]): string[] {
  const unique = [...new Set(hosts.map((host) => host.toLowerCase()))];
  const wildcards = unique.filter((host) => host.includes("*"));
  const addresses = unique.filter((host) => isIP(host) !== 0 || host === "localhost" || !host.includes("."));
  if (unique.length === 0) throw new UserError("tls: acme needs at least one host in proxy.hosts");
  if (wildcards.length > 0) {
    throw new UserError(`tls: acme cannot cover ${wildcards.join(", ")}: wildcard names need the DNS-01 challenge, which berth does not do`, {
      hint: "list each name in proxy.hosts, or use `tls: { cert: fullchain.pem, key: privkey.pem }` with a wildcard certificate obtained elsewhere",
    });
  }
  if (addresses.length > 0) {
    throw new UserError(`tls: acme cannot cover ${addresses.join(", ")}: berth asks the CA for public DNS names only`, {
      hint: "use `tls: self-signed` for local names and addresses",
    });
  }
  return unique;
}

/** The account key file for a directory: one account per ACME server, kept under $BERTH_HOME/acme/. */
export function accountKeyPathFor(home: string, directoryUrl: string): string {
  const url = new URL(directoryUrl);
  const slug = `${url.host}${url.pathname}`.replace(/[^A-Za-z0-9.-]+/g, "_").replace(/_+$/, "");
  return join(home, "acme", "accounts", `${slug}.key`);
}

/**
 * Finds the key's account with onlyReturnExisting (RFC 8555 section 7.3.1), which is a plain
 * POST-as-GET. acme-client's auto() instead re-posts newAccount with termsOfServiceAgreed, which
 * then turns into an account update with nothing to update; pebble refuses that.
 */
async function registerAccount(client: acme.Client, email: string | null, keyIsNew: boolean, logger: Logger): Promise<void> {
  const contact = email ? [`mailto:${email}`] : [];
  if (!keyIsNew) {
    try {
      const account = await client.createAccount({ onlyReturnExisting: true });
      if (email && !(account.contact ?? []).includes(`mailto:${email}`)) await client.updateAccount({ contact });
      return;
    } catch (error) {
      logger.debug("no ACME account for this key yet; registering one", { error: errorMessage(error) });
    }
  }
  await client.createAccount({ termsOfServiceAgreed: true, ...(email ? { contact } : {}) });
  logger.info("registered an ACME account", { account: client.getAccountUrl(), email });
}

async function loadOrCreateAccountKey(path: string, logger: Logger): Promise<{ key: Buffer; created: boolean }> {
  try {
    return { key: readFileSync(path), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = await acme.crypto.createPrivateEcdsaKey("P-256");
  // Written whole to a temporary name, then hard-linked into place: link fails if another order
  // created the key meanwhile, and then that key is the account's.
  const temporary = join(dirname(path), `.account-${process.pid}-${Date.now()}.tmp`);
  writeFileAtomic(temporary, key, 0o600);
  try {
    linkSync(temporary, path);
    logger.info("created an ACME account key", { path });
    return { key, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return { key: readFileSync(path), created: false };
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * acme-client sends every request through one shared axios instance. Rather than change its
 * defaults (every other ACME directory in the process would then trust these CAs too), this
 * attaches an agent with `ca` only to requests for the directory's own origin, for this order only.
 */
function trustCaCertificatesFor(directoryUrl: string, caCertificates: string[] | undefined): () => void {
  if (!caCertificates || caCertificates.length === 0) return () => {};
  const origin = new URL(directoryUrl).origin;
  const agent = new Agent({ ca: caCertificates, keepAlive: false });
  const interceptor = acme.axios.interceptors.request.use((config) => {
    if (config.url && new URL(config.url, directoryUrl).origin === origin) config.httpsAgent = agent;
    return config;
  });
  return () => {
    acme.axios.interceptors.request.eject(interceptor);
    agent.destroy();
  };
}
