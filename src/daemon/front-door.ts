import { mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import type { CertificateStore } from "../proxy/certificate-store.js";
import { PROXY_ENV, readListenerSettings } from "../proxy/listener-settings.js";
import { ProxySupervisor } from "../proxy/proxy-supervisor.js";
import { buildProxyTable, type RunningStack } from "../proxy/table.js";
import type { CertificatePair, ListenerSettings } from "../proxy/types.js";
import type { ReplicaSnapshot } from "../supervisor/replica.js";
import type { Logger } from "../util/logger.js";

const RENEWAL_CHECK_INTERVAL_MS = 12 * 3600_000;
/** A PEM file of extra CAs to trust for the ACME directory's own HTTPS (a private ACME server, or pebble in tests). */
export const ACME_CA_FILE_ENV = "BERTH_ACME_CA_FILE";

/**
 * The daemon's side of the proxy: starts the workers when the first stack with `proxy:` comes up,
 * gets each stack's certificate, and pushes a new table whenever a replica starts or stops serving.
 */
export class FrontDoor {
  private proxy: ProxySupervisor | null = null;
  private readonly certificates = new Map<string, CertificatePair | null>();
  private readonly challenges: Record<string, string> = {};
  private storePromise: Promise<CertificateStore> | null = null;
  private renewalTimer: NodeJS.Timeout | null = null;
  private refreshScheduled = false;
  /** ACME HTTP-01: the CA is told to validate only once every worker answers the token. */
  private readonly challengeResponder = {
    set: (token: string, keyAuthorization: string) => {
      this.challenges[token] = keyAuthorization;
      return this.refreshNow();
    },
    remove: (token: string) => {
      delete this.challenges[token];
      this.scheduleRefresh();
    },
  };

  constructor(
    private readonly home: string,
    private readonly logger: Logger,
    private readonly runningStacks: () => { stack: Stack; replicas: ReplicaSnapshot[] }[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
  }

  get listeners(): ListenerSettings | null {
    return this.proxy?.settings ?? null;
  }

  /** Before a stack's services start: listeners up, certificate ready (ACME needs the HTTP listener first). */
  async prepare(stack: Stack, progress: (message: string) => void): Promise<void> {
    if (!stack.proxy) return;
    await this.ensureProxy();
    if (stack.proxy.tls.mode !== "off") progress(`certificate for ${stack.proxy.hosts.join(", ")} (${stack.proxy.tls.mode})`);
    const certificate = await (await this.certificateStore()).certificateFor(stack.name, stack.proxy.tls, stack.proxy.hosts, this.challengeResponder);
    this.certificates.set(stack.name, certificate);
    this.scheduleRenewals();
    await this.refreshNow();
  }

  forget(stackName: string): void {
    this.certificates.delete(stackName);
    this.scheduleRefresh();
  }

  /** Coalesces bursts of replica changes into one table push. */
  scheduleRefresh(): void {
    if (!this.proxy || this.refreshScheduled) return;
    this.refreshScheduled = true;
    setImmediate(() => {
      this.refreshScheduled = false;
      void this.refreshNow();
    });
  }

  async stop(): Promise<void> {
    if (this.renewalTimer) clearInterval(this.renewalTimer);
    await this.proxy?.stop();
    this.proxy = null;
  }

  /** Pushes the current replicas to the proxy and resolves once every worker routes by them. */
  refresh(): Promise<void> {
    return this.refreshNow();
  }

  private refreshNow(): Promise<void> {
    if (!this.proxy) return Promise.resolve();
    const stacks: RunningStack[] = this.runningStacks().map(({ stack, replicas }) => ({
      stack,
      replicas,
      certificate: this.certificates.get(stack.name) ?? null,
    }));
    return this.proxy.update(buildProxyTable(stacks, { ...this.challenges }, this.home));
  }

  /** Loaded on first use: the ACME and X.509 libraries cost the daemon ~25 MB, and stacks without a proxy never need them. */
  private certificateStore(): Promise<CertificateStore> {
    this.storePromise ??= import("../proxy/certificate-store.js").then(({ CertificateStore }) => {
      const acmeCa = this.env[ACME_CA_FILE_ENV];
      return new CertificateStore(this.home, this.logger, acmeCa ? { acmeCaCertificates: [readFileSync(acmeCa, "utf8")] } : {});
    });
    return this.storePromise;
  }

  private async ensureProxy(): Promise<void> {
    if (this.proxy) return;
    const settings = readListenerSettings(this.env, cpus().length);
    const staticCache = join(this.home, "cache", "static");
    mkdirSync(staticCache, { recursive: true, mode: 0o700 });
    const proxy = new ProxySupervisor(settings, staticCache, this.logger);
    try {
      await proxy.start();
    } catch (error) {
      await proxy.stop();
      throw new UserError(`the proxy cannot listen on ${settings.address} ports ${settings.httpPort} and ${settings.httpsPort}: ${(error as Error).message}`, {
        hint: `free those ports, or start the daemon with ${PROXY_ENV.httpPort}/${PROXY_ENV.httpsPort} (and ${PROXY_ENV.address}) set: \`berth daemon stop\`, then e.g. \`${PROXY_ENV.httpPort}=8080 ${PROXY_ENV.httpsPort}=8443 berth up\``,
      });
    }
    this.proxy = proxy;
  }

  /** Certificates are renewed ahead of expiry and pushed to the workers without a restart. */
  private scheduleRenewals(): void {
    if (this.renewalTimer) return;
    this.renewalTimer = setInterval(() => void this.renewDue(), RENEWAL_CHECK_INTERVAL_MS);
    this.renewalTimer.unref();
  }

  private async renewDue(): Promise<void> {
    for (const { stack } of this.runningStacks()) {
      if (!stack.proxy || stack.proxy.tls.mode === "off") continue;
      try {
        const certificate = await (await this.certificateStore()).certificateFor(stack.name, stack.proxy.tls, stack.proxy.hosts, this.challengeResponder);
        this.certificates.set(stack.name, certificate);
      } catch (error) {
        this.logger.error("certificate renewal failed", { stack: stack.name, error: (error as Error).message });
      }
    }
    await this.refreshNow();
  }
}
