import { join } from "node:path";
import type { TlsMode } from "../config/types.js";
import { errorMessage, UserError } from "../errors.js";
import type { Logger } from "../util/logger.js";
import { accountKeyPathFor, obtainAcmeCertificate, type AcmeChallengeResponder } from "./acme.js";
import {
  certificateCacheDirectory,
  leafFingerprint,
  needsRenewal,
  normaliseHosts,
  readCachedCertificate,
  sameSource,
  writeCachedCertificate,
  type CachedCertificate,
  type CertificateSource,
} from "./certificate-store-cache.js";
import { readCertificateFiles } from "./certificate-store-files.js";
import { hostCertificateNames } from "./host-names.js";
import { issueLeafCertificate, isIssuedBy, loadOrCreateLocalCa, localCaPaths, type LocalCa } from "./local-ca.js";
import type { CertificatePair } from "./types.js";

/** Serialises the host certificate's issue; never a stack name (those start with a letter or digit). */
const HOST_CERTIFICATE_KEY = "/host";

export { needsRenewal } from "./certificate-store-cache.js";

// Each stack's certificate, whatever its tls mode: read from the user's files, issued by berth's
// local CA, or obtained over ACME; the last two cached under $BERTH_HOME/certs/<stack>/ and
// replaced 30 days before they expire. The daemon calls `certificateFor` when a stack comes up and
// `renewDue` periodically; both are cheap when nothing is due (a few small files read).

export interface CertificateStoreOptions {
  /** PEM roots to trust for the ACME directory's HTTPS (tests against pebble); system roots otherwise. */
  acmeCaCertificates?: string[];
  /** The clock, for tests. */
  now?: () => Date;
}

export interface StackTls {
  stackName: string;
  tls: TlsMode;
  hosts: string[];
}

export interface RenewalResult {
  /** Stacks whose certificate is now different from the one last handed out: push these to the proxy. */
  changed: { stackName: string; certificate: CertificatePair | null }[];
  failed: { stackName: string; message: string }[];
}

export class CertificateStore {
  #ca: LocalCa | null = null;
  /** Fingerprint of the leaf last returned per stack ("" for none), to tell renewals from no-ops. */
  readonly #served = new Map<string, string>();
  /** One certificate operation per stack at a time: `up` and the renewal timer may overlap. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly home: string,
    private readonly logger: Logger,
    private readonly options: CertificateStoreOptions = {},
  ) {}

  /** The certificate the proxy should serve for the stack; null when tls is off. */
  certificateFor(stackName: string, tls: TlsMode, hosts: string[], challenges: AcmeChallengeResponder): Promise<CertificatePair | null> {
    return this.#serialise(stackName, async () => {
      const certificate = await this.#resolve(stackName, tls, hosts, challenges);
      this.#served.set(stackName, certificate ? leafFingerprint(certificate.certPem) : "");
      return certificate;
    });
  }

  /**
   * The certificate for clients that send no server name (an IP address in the URL, old clients)
   * when several stacks are served: issued by the local CA for this machine's names and addresses,
   * kept in $BERTH_HOME/ca/host/ and re-issued like a stack's.
   */
  hostCertificate(): Promise<CertificatePair> {
    return this.#serialise(HOST_CERTIFICATE_KEY, () =>
      this.#selfSigned(join(localCaPaths(this.home).directory, "host"), normaliseHosts(hostCertificateNames()), this.logger.child({ certificate: "host" })),
    );
  }

  /** Renews what is due (and re-reads `files` certificates); one stack failing does not stop the others. */
  async renewDue(stacks: StackTls[], challenges: AcmeChallengeResponder): Promise<RenewalResult> {
    const result: RenewalResult = { changed: [], failed: [] };
    for (const { stackName, tls, hosts } of stacks) {
      const before = this.#served.get(stackName);
      try {
        const certificate = await this.certificateFor(stackName, tls, hosts, challenges);
        if (this.#served.get(stackName) !== before) result.changed.push({ stackName, certificate });
      } catch (error) {
        this.logger.error("certificate renewal failed", { stack: stackName, error: errorMessage(error) });
        result.failed.push({ stackName, message: errorMessage(error) });
      }
    }
    return result;
  }

  async #resolve(stackName: string, tls: TlsMode, hosts: string[], challenges: AcmeChallengeResponder): Promise<CertificatePair | null> {
    const logger = this.logger.child({ stack: stackName });
    switch (tls.mode) {
      case "off":
        return null;
      case "files":
        return readCertificateFiles(tls.certFile, tls.keyFile, hosts, logger);
      case "self-signed":
        return this.#selfSigned(certificateCacheDirectory(this.home, stackName), normaliseHosts(hosts), logger);
      case "acme":
        return this.#acme(stackName, tls, normaliseHosts(hosts), challenges, logger);
    }
  }

  async #selfSigned(directory: string, hosts: string[], logger: Logger): Promise<CertificatePair> {
    const ca = await this.#localCa();
    const source: CertificateSource = { kind: "self-signed" };
    const cached = readCachedCertificate(directory);
    let reason = reissueReason(cached, source, hosts, this.#now());
    if (cached && reason === null) {
      if (isIssuedBy(ca, cached.pair.certPem)) return cached.pair;
      reason = "ca-changed";
    }
    const pair = await issueLeafCertificate(ca, hosts, this.#now());
    writeCachedCertificate(directory, pair, source, hosts);
    logger.info("issued a certificate from berth's local CA", { hosts: hosts.join(","), reason });
    return pair;
  }

  async #acme(stackName: string, tls: Extract<TlsMode, { mode: "acme" }>, hosts: string[], challenges: AcmeChallengeResponder, logger: Logger): Promise<CertificatePair> {
    const directory = certificateCacheDirectory(this.home, stackName);
    const source: CertificateSource = { kind: "acme", directoryUrl: tls.directoryUrl };
    const cached = readCachedCertificate(directory);
    const reason = reissueReason(cached, source, hosts, this.#now());
    if (cached && reason === null) return cached.pair;
    let pair: CertificatePair;
    try {
      pair = await obtainAcmeCertificate({
        directoryUrl: tls.directoryUrl,
        email: tls.email,
        hosts,
        accountKeyPath: accountKeyPathFor(this.home, tls.directoryUrl),
        challenges,
        logger,
        ...(this.options.acmeCaCertificates ? { caCertificates: this.options.acmeCaCertificates } : {}),
      });
    } catch (error) {
      // A renewal that fails keeps the current certificate while it is valid: the next check retries.
      if (reason === "expiring" && cached && cached.notAfter > this.#now()) {
        logger.warn("ACME renewal failed; serving the current certificate until it expires", { expires: cached.notAfter.toISOString(), error: errorMessage(error) });
        return cached.pair;
      }
      throw acmeFailure(error, hosts, tls.directoryUrl);
    }
    writeCachedCertificate(directory, pair, source, hosts);
    logger.info("stored an ACME certificate", { hosts: hosts.join(","), reason });
    return pair;
  }

  async #localCa(): Promise<LocalCa> {
    this.#ca ??= await loadOrCreateLocalCa(this.home, this.logger);
    return this.#ca;
  }

  #now(): Date {
    return this.options.now?.() ?? new Date();
  }

  #serialise<T>(stackName: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(stackName) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => {});
    this.#queues.set(stackName, settled);
    void settled.then(() => {
      if (this.#queues.get(stackName) === settled) this.#queues.delete(stackName);
    });
    return next;
  }
}

type ReissueReason = "missing" | "source-changed" | "hosts-changed" | "expiring" | "ca-changed";

/** Why the cached certificate cannot be served as it is; null when it can. */
function reissueReason(cached: CachedCertificate | null, source: CertificateSource, hosts: string[], now: Date): ReissueReason | null {
  if (!cached) return "missing";
  if (!sameSource(cached.source, source)) return "source-changed";
  if (cached.hosts.join("\n") !== hosts.join("\n")) return "hosts-changed";
  if (needsRenewal(cached.pair.certPem, now)) return "expiring";
  return null;
}

function acmeFailure(error: unknown, hosts: string[], directoryUrl: string): UserError {
  if (error instanceof UserError) return error;
  return new UserError(`could not obtain a certificate for ${hosts.join(", ")} from ${directoryUrl}: ${errorMessage(error)}`, {
    hint:
      "the CA must reach http://<host>/.well-known/acme-challenge/ on port 80 of this server: check that each host's DNS record points here " +
      "and that port 80 is open, then run `berth up` again (try the staging directory first to stay clear of rate limits)",
  });
}
