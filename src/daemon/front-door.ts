import { readFileSync } from "node:fs";
import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import type { CertificateStore } from "../proxy/certificate-store.js";
import { PROXY_ENV, sameListenerSettings } from "../proxy/listener-settings.js";
import { callProxy, ProxyUnreachableError, readProxyRecord, type ProxyStatus } from "../proxy/proxy-control.js";
import { findRunningProxy, startProxyProcess, stopProxyProcess } from "../proxy/proxy-process.js";
import { chooseDefaultCertificate } from "../proxy/default-certificate.js";
import { checkStackPorts } from "../proxy/listen-ports.js";
import { buildProxyTable, LOOPBACK_UPSTREAM_HOST, type RunningStack } from "../proxy/table.js";
import type { CertificatePair, ListenerSettings, ProxyTable } from "../proxy/types.js";
import type { ReplicaSnapshot } from "../supervisor/replica.js";
import type { Logger } from "../util/logger.js";
import { HOST_SETTINGS_FILE, readHostSettings, type HostSettings } from "./host-settings.js";

const RENEWAL_CHECK_INTERVAL_MS = 12 * 3600_000;
/** Every worker confirms a table within milliseconds; this only bounds a wedged proxy. */
const TABLE_PUSH_TIMEOUT_MS = 30_000;

/**
 * The daemon's side of the proxy: finds the proxy process serving this BERTH_HOME (or starts one)
 * when the first stack with `proxy:` comes up, gets each stack's certificate, and pushes a new table
 * whenever a replica starts or stops serving. The proxy process outlives the daemon: a new daemon
 * reconnects to it and pushes its table without interrupting traffic.
 */
export class FrontDoor {
  private proxy: ProxyStatus | null = null;
  private connecting: Promise<ProxyStatus> | null = null;
  private readonly certificates = new Map<string, CertificatePair | null>();
  private readonly challenges: Record<string, string> = {};
  private storePromise: Promise<CertificateStore> | null = null;
  private renewalTimer: NodeJS.Timeout | null = null;
  private refreshScheduled = false;
  /** Pushes go one at a time, so an older table never lands after a newer one. */
  private pushChain: Promise<void> = Promise.resolve();
  /** A push queued but not yet begun: later refreshes join it, since it builds the table when it begins. */
  private queuedPush: Promise<void> | null = null;
  /**
   * Stacks a restarted daemon is still adopting: until each is back, its routes stay as the proxy
   * has them (the previous daemon's table), so a table pushed meanwhile never cuts it off.
   */
  private readonly adopting = new Set<string>();
  private previousTable: Promise<ProxyTable | null> | null = null;
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
    private readonly runningStacks: () => { stack: Stack; replicas: ReplicaSnapshot[]; maintenance?: boolean }[],
    private readonly settings: HostSettings = readHostSettings(home, process.env),
  ) {}

  /** Told when a stack's certificate cannot be obtained or renewed (the daemon records certificate-failed). */
  onCertificateFailed: (stack: string, message: string) => void = () => {};

  get listeners(): ListenerSettings | null {
    return this.proxy?.settings ?? null;
  }

  /** The settings this daemon runs the proxy with, for the CLI to compare with its own (describeSettingsDifference). */
  get hostSettings(): HostSettings {
    return this.settings;
  }

  /** Before a stack's services start: listeners up, certificate ready (ACME needs the HTTP listener first). */
  async prepare(stack: Stack, progress: (message: string) => void): Promise<void> {
    if (!stack.proxy) return;
    await this.ensureProxy();
    await checkStackPorts(stack, this.runningStacks().map((running) => running.stack), this.proxy!.settings);
    if (stack.proxy.tls.mode !== "off") progress(`certificate for ${stack.proxy.hosts.join(", ")} (${stack.proxy.tls.mode})`);
    const certificate = await (await this.certificateStore()).certificateFor(stack.name, stack.proxy.tls, stack.proxy.hosts, this.challengeResponder).catch((error: Error) => {
      this.onCertificateFailed(stack.name, `could not obtain a certificate: ${error.message}`);
      throw error;
    });
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
      this.refreshNow().catch((error: Error) => this.logger.error("could not update the proxy", { error: error.message }));
    });
  }

  /** Disconnects from the proxy, which keeps serving with its last table until a daemon reconnects. */
  async stop(): Promise<void> {
    if (this.renewalTimer) clearInterval(this.renewalTimer);
    this.renewalTimer = null;
    await this.pushChain;
    this.proxy = null;
  }

  /** Really stops the proxy process (when the user stops everything), whether or not this daemon started it. */
  async stopProxy(): Promise<void> {
    await this.stop();
    await this.connecting?.catch(() => {});
    const record = readProxyRecord(this.home);
    if (!record) return;
    await stopProxyProcess(this.home, record);
    this.logger.info("proxy stopped", { pid: record.pid });
  }

  /** Pushes the current replicas to the proxy and resolves once every worker routes by them. */
  refresh(): Promise<void> {
    return this.refreshNow();
  }

  /**
   * After a switch: resolves once the proxy sends nothing more to these replica ports (their
   * requests finished, their websockets closed), waiting at most `timeoutMs`, past which the proxy
   * closes websockets with 1001 and cuts what is left. A proxy that does not answer has nothing to drain.
   */
  async drain(ports: number[], timeoutMs: number): Promise<void> {
    if (!this.proxy || ports.length === 0) return;
    await this.pushChain;
    const targets = ports.map((port) => `${LOOPBACK_UPSTREAM_HOST}:${port}`);
    try {
      await callProxy(this.home, { op: "drain", targets, timeoutMs }, timeoutMs + TABLE_PUSH_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn("could not drain the old replicas; stopping them anyway", { error: (error as Error).message });
    }
  }

  /** These stacks keep the routes the proxy has now until adopted() says each is back. */
  keepRoutesWhileAdopting(stackNames: string[]): void {
    for (const name of stackNames) this.adopting.add(name);
  }

  adopted(stackName: string): void {
    if (this.adopting.delete(stackName)) this.scheduleRefresh();
  }

  private refreshNow(): Promise<void> {
    if (!this.proxy) return Promise.resolve();
    if (this.queuedPush) return this.queuedPush;
    const push = this.pushChain.then(() => {
      this.queuedPush = null;
      return this.pushTable();
    });
    this.queuedPush = push;
    this.pushChain = push.catch(() => {});
    return push;
  }

  /** A proxy that died (killed, OOM) is found again or restarted, then gets the table. */
  private async pushTable(): Promise<void> {
    if (!this.proxy) return;
    const stacks: RunningStack[] = this.runningStacks().map(({ stack, replicas, maintenance }) => ({
      stack,
      replicas,
      maintenance,
      certificate: this.certificates.get(stack.name) ?? null,
    }));
    const table = await this.withAdoptingRoutes(buildProxyTable(stacks, { ...this.challenges }, this.home));
    table.defaultCertificate = await chooseDefaultCertificate(table.sites, () => this.hostCertificate());
    try {
      await callProxy(this.home, { op: "table", table }, TABLE_PUSH_TIMEOUT_MS);
    } catch (error) {
      if (!(error instanceof ProxyUnreachableError)) throw error;
      this.logger.warn("the proxy does not answer; finding or starting it again", { error: error.message });
      this.proxy = null;
      await this.ensureProxy();
      await callProxy(this.home, { op: "table", table }, TABLE_PUSH_TIMEOUT_MS);
    }
  }

  /** Adds, for stacks not adopted yet, the sites and pools the proxy routes by now. */
  private async withAdoptingRoutes(table: ProxyTable): Promise<ProxyTable> {
    if (this.adopting.size === 0) return table;
    this.previousTable ??= callProxy<ProxyTable>(this.home, { op: "current-table" }, TABLE_PUSH_TIMEOUT_MS).catch(() => null);
    const previous = await this.previousTable;
    if (!previous) return table;
    const kept = previous.sites.filter((site) => this.adopting.has(site.stack));
    const keptStacks = new Set(kept.map((site) => site.stack));
    const pools = { ...table.pools };
    for (const site of kept) for (const route of site.routes) pools[route.pool] = previous.pools[route.pool] ?? [];
    return { ...table, sites: [...table.sites.filter((site) => !keptStacks.has(site.stack)), ...kept], pools };
  }

  /** A damaged local CA must not keep the table from the proxy: SNI-less clients then get no certificate. */
  private async hostCertificate(): Promise<CertificatePair | null> {
    try {
      return await (await this.certificateStore()).hostCertificate();
    } catch (error) {
      this.logger.warn("no certificate for clients that send no server name", { error: (error as Error).message });
      return null;
    }
  }

  /** Loaded on first use: the ACME and X.509 libraries cost the daemon ~25 MB, and stacks without a proxy never need them. */
  private certificateStore(): Promise<CertificateStore> {
    this.storePromise ??= import("../proxy/certificate-store.js").then(({ CertificateStore }) => {
      const acmeCa = this.settings.acmeCaFile;
      return new CertificateStore(this.home, this.logger, acmeCa ? { acmeCaCertificates: [readFileSync(acmeCa, "utf8")] } : {});
    });
    return this.storePromise;
  }

  private async ensureProxy(): Promise<void> {
    if (this.proxy) return;
    this.connecting ??= this.connectOrStartProxy().finally(() => (this.connecting = null));
    this.proxy = await this.connecting;
  }

  private async connectOrStartProxy(): Promise<ProxyStatus> {
    const wanted = this.settings.proxy;
    const running = await findRunningProxy(this.home, this.logger);
    if (running && sameListenerSettings(running.settings, wanted)) {
      this.logger.info("proxy found", { pid: running.pid, version: running.version, workers: running.workers.length });
      return running;
    }
    if (running) {
      this.logger.warn("the running proxy has other listener settings: replacing it", {
        pid: running.pid,
        running: describeListeners(running.settings),
        wanted: describeListeners(wanted),
        source: this.settings.source,
      });
      await stopProxyProcess(this.home, running);
    }
    try {
      const started = await startProxyProcess(this.home, wanted);
      this.logger.info("proxy started", { pid: started.pid, ...{ address: wanted.address, http: wanted.httpPort, https: wanted.httpsPort } });
      return started;
    } catch (error) {
      throw new UserError(`the proxy cannot listen on ${wanted.address} ports ${wanted.httpPort} and ${wanted.httpsPort}: ${(error as Error).message}`, {
        hint: `free those ports, or choose others in ${this.home}/${HOST_SETTINGS_FILE} (proxy: { http_port, https_port, address }) or with ${PROXY_ENV.httpPort}/${PROXY_ENV.httpsPort}, then \`berth daemon restart\`; settings now: ${this.settings.source}`,
      });
    }
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
        this.onCertificateFailed(stack.name, `certificate renewal failed: ${(error as Error).message}`);
      }
    }
    await this.refreshNow();
  }
}

function describeListeners(settings: ListenerSettings): string {
  return `${settings.address}:${settings.httpPort}/${settings.httpsPort} workers=${settings.workers}`;
}
