import { rmSync } from "node:fs";
import type { Stack } from "../config/types.js";
import type { BackupFile } from "../backing/index.js";
import { UserError } from "../errors.js";
import { MAX_REPLICAS } from "../config/defaults.js";
import { applyPlan, type RolloutContext } from "../release/rollout.js";
import { describePlan, planChange, type Plan } from "../release/plan.js";
import { failInterrupted, markLive, releaseDirectory, type ReleaseInfo, type ReleaseRecord } from "../release/history.js";
import { pruneReleases } from "../release/prune.js";
import { PortAllocator } from "../supervisor/ports.js";
import { readWorkingDirectory } from "../supervisor/procfs.js";
import { DEFAULT_READY_TIMEOUT_MS, readinessTarget, waitUntilStackReady, type ReadinessTarget } from "../supervisor/readiness.js";
import { StackSupervisor, type ProgressReporter } from "../supervisor/stack-supervisor.js";
import { portsOf, type Replica } from "../supervisor/replica.js";
import type { Logger } from "../util/logger.js";
import { stackPaths } from "../util/paths.js";
import { EventJournal } from "../events/event-journal.js";
import { DiskWatch } from "./disk-watch.js";
import { FrontDoor } from "./front-door.js";
import type { HostSettings } from "./host-settings.js";
import { OperationQueue } from "./operation-queue.js";
import { preflight } from "./preflight.js";
import { ServiceWatchers } from "./service-watchers.js";
import { processRows, type ProcessRow } from "./process-rows.js";
import { adoptionLookup, endRecordedProcesses } from "./leftovers.js";
import { AlertDispatcher, type AlertDelivery, type AlertTarget } from "../alerts/alert-dispatcher.js";
import { readSecretValues } from "../alerts/alert-sources.js";
import type { JobOutcome } from "../jobs/run-job.js";
import { readState, StateStore, type DaemonState, type RecordedReplica, type StackRecord } from "./state-store.js";

export type { ProcessRow } from "./process-rows.js";

function formatMiB(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}

/** Services stopped with `berth stop` have no process, but `ps` still lists them (as Compose does), one row each. */
function stoppedRows(stopped: string[], stack: Stack): ProcessRow[] {
  return stack.services
    .filter((service) => stopped.includes(service.name))
    .map((service) => ({
      service: service.name,
      replica: 0,
      pid: null,
      status: "stopped",
      health: "none",
      restarts: 0,
      uptimeSeconds: null,
      port: null,
      cpuPercent: null,
      memoryBytes: null,
      lastExit: "stopped by `berth stop`",
      user: null,
    }));
}

export interface ApplyOptions {
  /** PATH, locale… for the apps, from the CLI call. */
  appEnv: Record<string, string>;
  /** Return only once every service is ready (default), else as soon as the processes started. */
  wait: boolean;
  readyTimeoutMs?: number;
}

export interface DeployOptions extends ApplyOptions {
  release: ReleaseInfo;
  runReleaseTasks: boolean;
  noRestart: string[];
  /** A rollback: the release becomes live again, the former live one is marked rolled-back. */
  rollback: boolean;
}

export interface StackSummary {
  name: string;
  file: string;
  up: boolean;
  services: number;
  replicas: number;
  ready: number;
  /** What keeps the stack from running as asked (a failed restore being retried), or null. */
  problem: string | null;
}

interface ManagedStack {
  record: StackRecord;
  supervisor: StackSupervisor | null;
  queue: OperationQueue;
  /** Set while the daemon brings the stack back after a restart: ps waits for it. */
  restoring: Promise<void> | null;
  problem: string | null;
}

const RESTORE_RETRY_FIRST_MS = 5_000;
const RESTORE_RETRY_MAX_MS = 5 * 60_000;
/** How long a restarted daemon waits for an adopted replica's first health check before routing without it. */
const ADOPTED_READY_TIMEOUT_MS = 10_000;

/** Owns every stack this daemon runs and their state; each verb is an operation on the stack's queue. */
export class StackManager {
  private readonly stacks = new Map<string, ManagedStack>();
  private readonly serviceWatchers = new Map<string, ServiceWatchers>();
  private readonly ports = new PortAllocator();
  /** Hosts of the stacks whose up or deploy is under way, before they are recorded as served. */
  private readonly hostClaims = new Map<string, string[]>();
  private readonly store: StateStore;
  readonly frontDoor: FrontDoor;
  /** What happened to each stack: alerts and the dashboard subscribe to it. */
  readonly events: EventJournal;
  private readonly alerts: AlertDispatcher;

  constructor(
    private readonly home: string,
    statePath: string,
    private readonly logger: Logger,
    readonly settings: HostSettings,
  ) {
    this.events = new EventJournal((stack) => stackPaths(stack, home).events);
    this.alerts = new AlertDispatcher((stack) => this.alertTarget(stack), logger);
    this.events.subscribe((event) => this.alerts.handle(event));
    this.store = new StateStore(statePath, () => this.collectState(), (error) => logger.error("could not write the state file; retrying at the next change", { error: error.message }));
    this.frontDoor = new FrontDoor(home, logger, () => this.runningStacks(), settings);
    this.frontDoor.onCertificateFailed = (stack, message) => this.events.record({ stack, kind: "certificate-failed", message });
    for (const [name, record] of Object.entries(readState(statePath).stacks)) {
      this.stacks.set(name, { record, supervisor: null, queue: new OperationQueue(), restoring: null, problem: null });
    }
  }

  /**
   * After a restart of the daemon: adopt what the previous one left running, bring back the rest.
   * Every stack's restore is queued before this returns its promise, so a command that arrives
   * meanwhile runs after it; the proxy keeps each stack's routes until the stack is adopted.
   */
  restore(): Promise<void> {
    const up = [...this.stacks.values()].filter((managed) => managed.record.up);
    this.frontDoor.keepRoutesWhileAdopting(up.map((managed) => managed.record.stack.name));
    for (const managed of this.stacks.values()) {
      failInterrupted(managed.record.releases);
      managed.restoring = managed.queue
        .enqueue({
          label: "restore",
          run: async (signal) => {
            const { record } = managed;
            await endRecordedProcesses(record.replicas.filter((replica) => replica.pending || !record.up), this.logger);
            record.replicas = record.up ? record.replicas.filter((replica) => !replica.pending) : [];
            this.store.writeNow();
            if (record.up) await this.restoreStack(managed, signal, RESTORE_RETRY_FIRST_MS);
          },
        })
        .catch((error: Error) => this.logger.error("restore failed", { stack: managed.record.stack.name, error: error.message }))
        .finally(() => this.frontDoor.adopted(managed.record.stack.name));
    }
    return Promise.all([...this.stacks.values()].map((managed) => managed.restoring)).then(() => {});
  }

  up(stack: Stack, options: ApplyOptions, progress: ProgressReporter, signal: AbortSignal): Promise<{ changed: boolean; plan: string[] }> {
    const managed = this.managed(stack.name, stack);
    return managed.queue.enqueue(
      {
        label: "up",
        run: (operation) => this.apply(managed, stack, { ...options, restartAll: false, noRestart: [], runReleaseTasks: true }, progress, operation),
      },
      signal,
    );
  }

  /** A new release (or a rollback to a kept one) beside the running one; live only once it serves. */
  deploy(stack: Stack, options: DeployOptions, progress: ProgressReporter, signal: AbortSignal): Promise<{ switched: boolean; pruned: string[]; plan: string[] }> {
    const managed = this.managed(stack.name, stack);
    return managed.queue.enqueue(
      {
        label: options.rollback ? "rollback" : "deploy",
        run: async (operation) => {
          const { record } = managed;
          const startedAt = Date.now();
          const release = this.recordRelease(record, options.release, options.rollback);
          const verb = options.rollback ? "rollback" : "deploy";
          this.events.record({ stack: stack.name, kind: "deploy-started", release: release.id, message: `${verb} of ${release.id} started` });
          let switched = false;
          try {
            const onSwitch = () => {
              switched = true;
              markLive(record.releases, release.id, Date.now() - startedAt, options.rollback ? "rolled-back" : "previous");
            };
            const result = await this.apply(managed, stack, { ...options, restartAll: true, onSwitch }, progress, operation);
            if (!switched) onSwitch();
            const { kept, removed } = pruneReleases(stackPaths(stack.name, this.home).root, record.releases, stack.keepReleases, this.releasesInUse(managed));
            record.releases = kept;
            this.store.writeNow();
            this.events.record({ stack: stack.name, kind: options.rollback ? "rollback" : "deploy-succeeded", release: release.id, message: `${release.id} is live` });
            return { switched: true, pruned: removed, plan: result.plan };
          } catch (error) {
            if (!switched && !options.rollback) {
              Object.assign(release, { status: "failed", error: (error as Error).message, durationMs: Date.now() - startedAt });
              this.store.writeNow();
            }
            if (!switched) this.events.record({ stack: stack.name, kind: "deploy-failed", release: release.id, message: `${verb} of ${release.id} failed: ${(error as Error).message}` });
            throw error;
          }
        },
      },
      signal,
    );
  }

  /** Records a disk-low event for every stack that is up when BERTH_HOME's filesystem runs low. */
  watchDisk(): DiskWatch {
    const upStacks = () => [...this.stacks.values()].filter((managed) => managed.record.up).map((managed) => managed.record.stack.name);
    return new DiskWatch(this.home, upStacks, (stack, space) => {
      const message = `the disk holding ${this.home} is low: ${formatMiB(space.freeBytes)} MiB free of ${formatMiB(space.totalBytes)} MiB; logs are dropped when it is full`;
      this.logger.warn("low disk space", { stack, path: this.home, freeBytes: space.freeBytes });
      this.events.record({ stack, kind: "disk-low", message });
    }).start();
  }

  /** Cancels whatever runs for the stack (a deploy unwinds: no orphan), then stops every process. */
  async down(name: string, deleteData: boolean): Promise<{ deletedData: boolean }> {
    const managed = this.stacks.get(name);
    if (!managed && !deleteData) throw notUp(name);
    const run = async () => {
      if (managed) {
        await this.stopSupervisor(managed);
        managed.record.up = false;
        managed.problem = null;
      }
      if (deleteData) {
        const paths = stackPaths(name, this.home);
        rmSync(paths.data, { recursive: true, force: true });
        rmSync(paths.secrets, { force: true });
        if (managed) Object.assign(managed.record, { scale: {}, stopped: [], releases: [] });
      }
      this.store.writeNow();
    };
    if (!managed) await run();
    else {
      managed.queue.cancelAll(`${name} is being stopped (berth down)`);
      await managed.queue.enqueue({ label: "down", run });
    }
    return { deletedData: deleteData };
  }

  /** One replica at a time, each ready before the next (a one-replica service has a short gap). */
  restart(name: string, service: string | undefined, progress: ProgressReporter, signal: AbortSignal): Promise<void> {
    return this.queued(name, "restart", signal, async (managed, supervisor, operation) => {
      const server = service ? supervisor.backingServer(service) : undefined;
      if (server) {
        await server.restart();
        return waitUntilStackReady([{ service: service!, replicas: [server], timeoutMs: DEFAULT_READY_TIMEOUT_MS }], supervisor.secretValues(), operation);
      }
      const services = service ? [supervisor.service(service)] : supervisor.stack.services;
      for (const definition of services) {
        progress(`restarting ${definition.name}`);
        for (const replica of supervisor.replicasOf(definition.name)) {
          // One at a time, each out of the proxy's table until its requests have finished while the
          // others serve. A replica with no ready sibling restarts at once: draining it would leave
          // new requests nowhere to go (they wait for it, up to proxy.hold).
          const siblingsServe = supervisor.replicasOf(definition.name).some((other) => other !== replica && other.isReady());
          replica.holdTraffic(siblingsServe);
          try {
            if (siblingsServe) await this.drainBeforeStopping(supervisor.stack, definition.name, [replica]);
            await replica.restart();
          } finally {
            replica.holdTraffic(false);
          }
          await waitUntilStackReady([readinessTarget(definition, [replica])], supervisor.secretValues(), operation);
        }
      }
    });
  }

  /**
   * `berth secret set` / `rotate`: every service starts again with the store's values, routed ones
   * side by side (traffic switches once the new replicas are ready, so no request is lost).
   */
  reloadSecrets(name: string, progress: ProgressReporter, signal: AbortSignal): Promise<{ plan: string[] }> {
    return this.queued(name, "secrets", signal, async (managed, supervisor, operation) => {
      supervisor.reloadSecrets();
      const options = { appEnv: {}, wait: true, restartAll: true, noRestart: [], runReleaseTasks: false };
      return { plan: (await this.apply(managed, managed.record.stack, options, progress, operation)).plan };
    });
  }

  /**
   * Replicas about to stop that the proxy routes to: once a table without them is in use, their
   * in-flight requests and websockets get up to `proxy.drain_timeout` to finish (websockets then
   * get a 1001 close), as the old release's replicas do after a deploy's switch.
   */
  private async drainBeforeStopping(stack: Stack, serviceName: string, replicas: Replica[]): Promise<void> {
    const proxy = stack.proxy;
    if (!proxy || !proxy.routes.some((route) => route.service === serviceName)) return;
    const ports = portsOf(replicas);
    if (ports.length === 0) return;
    await this.frontDoor.refresh();
    await this.frontDoor.drain(ports, proxy.drainTimeoutMs);
  }

  /** The file watchers of a stack's `watch:` services (dev mode): a change restarts the service through the queue. */
  private watchersOf(name: string): ServiceWatchers {
    let watchers = this.serviceWatchers.get(name);
    if (!watchers) {
      watchers = new ServiceWatchers((service, file) => {
        this.logger.info("watched file changed; restarting the service", { stack: name, service, file });
        this.stacks.get(name)?.supervisor?.note(service, `${file} changed: restarting ${service}`);
        this.restart(name, service, () => {}, new AbortController().signal).catch((error: Error) =>
          this.logger.warn("restart after a file change failed", { stack: name, service, error: error.message }),
        );
      }, this.logger);
      this.serviceWatchers.set(name, watchers);
    }
    return watchers;
  }

  /** Changes the running count (an override kept across `up` and deploys until berth.yml's own count changes). */
  scale(name: string, counts: Record<string, number>, progress: ProgressReporter, signal: AbortSignal): Promise<void> {
    return this.queued(name, "scale", signal, async (managed, supervisor, operation) => {
      const targets: ReadinessTarget[] = [];
      // Every count is checked before any is applied.
      for (const [serviceName, count] of Object.entries(counts)) {
        supervisor.service(serviceName);
        if (!Number.isInteger(count) || count < 0 || count > MAX_REPLICAS) throw new UserError(`a service runs 0 to ${MAX_REPLICAS} replicas, not ${count}`);
      }
      for (const [serviceName, count] of Object.entries(counts)) {
        const service = supervisor.service(serviceName);
        managed.record.scale[serviceName] = count;
        progress(`${serviceName}: ${count} replica${count === 1 ? "" : "s"}`);
        const added = await supervisor.scaleService(service, count, undefined, (surplus) => this.drainBeforeStopping(supervisor.stack, serviceName, surplus));
        targets.push(readinessTarget(service, added));
      }
      const services = supervisor.stack.services.map((service) => (service.name in counts ? { ...service, replicas: counts[service.name]! } : service));
      supervisor.adoptStack({ ...supervisor.stack, services });
      this.store.writeNow();
      await waitUntilStackReady(targets, supervisor.secretValues(), operation);
    });
  }

  stopServices(name: string, services: string[], progress: ProgressReporter, signal: AbortSignal): Promise<void> {
    return this.queued(name, "stop", signal, async (managed, supervisor) => {
      for (const service of services) supervisor.service(service);
      for (const service of services) {
        progress(`stopping ${service}`);
        await supervisor.stopService(service);
        if (!managed.record.stopped.includes(service)) managed.record.stopped.push(service);
      }
      this.store.writeNow();
    });
  }

  startServices(name: string, services: string[], progress: ProgressReporter, signal: AbortSignal): Promise<void> {
    return this.queued(name, "start", signal, async (managed, supervisor, operation) => {
      const targets: ReadinessTarget[] = [];
      for (const serviceName of services) {
        const service = supervisor.service(serviceName);
        progress(`starting ${serviceName}`);
        await supervisor.scaleService(service, managed.record.scale[serviceName] ?? service.replicas);
        managed.record.stopped = managed.record.stopped.filter((stopped) => stopped !== serviceName);
        targets.push(readinessTarget(service, supervisor.replicasOf(serviceName)));
      }
      this.store.writeNow();
      await this.frontDoor.refresh();
      await waitUntilStackReady(targets, supervisor.secretValues(), operation);
    });
  }

  /** `berth maintenance on|off`: in the stack's queue, so it lands between, never inside, deploys and restarts. */
  setMaintenance(name: string, on: boolean, signal: AbortSignal): Promise<{ maintenance: boolean }> {
    return this.queued(name, "maintenance", signal, async (managed) => {
      if (!managed.record.stack.proxy) throw new UserError(`stack ${name} has no proxy: section, so no page to put up`, { hint: "maintenance mode is served by berth's proxy" });
      managed.record.maintenance = on;
      this.store.writeNow();
      await this.frontDoor.refresh();
      return { maintenance: on };
    });
  }

  backup(name: string, progress: ProgressReporter, signal: AbortSignal): Promise<BackupFile[]> {
    return this.queued(name, "backup", signal, async (_managed, supervisor) => {
      try {
        const files = await supervisor.backup(progress);
        this.events.record({ stack: name, kind: "backup-succeeded", message: `backup done: ${files.map((file) => file.name).join(",")}` });
        return files;
      } catch (error) {
        this.events.record({ stack: name, kind: "backup-failed", message: `backup failed: ${(error as Error).message}` });
        throw error;
      }
    });
  }

  restoreBackup(name: string, backup: string, progress: ProgressReporter, signal: AbortSignal): Promise<{ name: string }> {
    return this.queued(name, "restore", signal, async (_managed, supervisor, operation) => {
      const result = await supervisor.restoreBackup(backup, progress);
      this.events.record({ stack: name, kind: "restore", message: `restored ${result.name}` });
      const targets = supervisor.stack.services.map((service) => readinessTarget(service, supervisor.replicasOf(service.name)));
      await waitUntilStackReady(targets, supervisor.secretValues(), operation);
      return result;
    });
  }

  private alertTarget(name: string): AlertTarget {
    const managed = this.stacks.get(name);
    const stack = managed?.supervisor?.stack ?? managed?.record.stack;
    return { policy: stack?.alerts ?? null, secretValues: managed?.supervisor?.secretValues() ?? readSecretValues(stackPaths(name, this.home).secrets) };
  }

  /** `berth jobs run NAME`: not queued behind deploys, like a scheduled run. */
  runJob(name: string, job: string): Promise<JobOutcome> {
    const supervisor = this.stacks.get(name)?.supervisor;
    if (!supervisor) throw notUp(name);
    return supervisor.runJob(job);
  }

  /** `berth alerts test`: one test event to the stack's webhook, answered with the delivery's outcome. */
  testAlerts(name: string): Promise<AlertDelivery> {
    const supervisor = this.stacks.get(name)?.supervisor;
    if (!supervisor) throw notUp(name);
    return this.alerts.test(supervisor.stack, supervisor.secretValues());
  }

  async processes(name: string): Promise<ProcessRow[]> {
    const managed = this.stacks.get(name);
    await managed?.restoring;
    if (managed?.supervisor) return [...processRows(managed.supervisor.snapshot()), ...stoppedRows(managed.record.stopped, managed.supervisor.stack)];
    if (managed?.record.up && managed.problem) {
      throw new UserError(`${name} could not be brought back after the daemon restarted: ${managed.problem}`, { exitCode: 3, hint: "berth retries with backoff; fix the cause, or `berth up -d` to retry now" });
    }
    throw notUp(name);
  }

  releases(name: string): ReleaseRecord[] {
    const managed = this.stacks.get(name);
    if (!managed) return [];
    return [...managed.record.releases].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Values that must never reach a page or an answer (the dashboard redacts logs and messages with them). */
  secretValues(name: string): string[] {
    return this.stacks.get(name)?.supervisor?.secretValues() ?? [];
  }

  list(): StackSummary[] {
    return [...this.stacks.values()]
      .filter((managed) => managed.record.up)
      .map(({ record, supervisor, problem }) => {
        const rows = supervisor ? supervisor.snapshot() : [];
        return {
          name: record.stack.name,
          file: record.stack.file,
          up: record.up,
          services: record.stack.services.length,
          replicas: rows.length,
          ready: rows.filter((row) => row.status === "running" && (row.health === "none" || row.health === "healthy")).length,
          problem,
        };
      });
  }

  /**
   * The daemon is going away. By default its apps keep running and serving, recorded for the next
   * daemon to adopt; with `stopApps` every stack's processes stop (they come back at the next start).
   */
  async shutdown(stopApps: boolean): Promise<void> {
    for (const managed of this.stacks.values()) managed.queue.cancelAll("the daemon is stopping");
    for (const watchers of this.serviceWatchers.values()) watchers.close();
    await Promise.all([...this.stacks.values()].map((managed) => managed.queue.idle()));
    if (stopApps) {
      await Promise.all([...this.stacks.values()].map((managed) => this.stopSupervisor(managed)));
      await this.frontDoor.stopProxy();
    } else {
      for (const managed of this.stacks.values()) {
        if (!managed.supervisor) continue;
        managed.record.replicas = recordedReplicas(managed.supervisor);
        managed.supervisor.detach();
        managed.supervisor = null;
      }
      await this.frontDoor.stop();
    }
    this.store.writeNow();
  }

  private managed(name: string, stack: Stack): ManagedStack {
    let managed = this.stacks.get(name);
    if (!managed) {
      managed = {
        record: { stack, up: false, scale: {}, stopped: [], appEnv: {}, replicas: [], releases: [] },
        supervisor: null,
        queue: new OperationQueue(),
        restoring: null,
        problem: null,
      };
      this.stacks.set(name, managed);
    }
    return managed;
  }

  /** Runs `task` on the stack's queue once it runs (restored first, when the daemon just started). */
  private queued<T>(
    name: string,
    label: string,
    signal: AbortSignal,
    task: (managed: ManagedStack, supervisor: StackSupervisor, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const managed = this.stacks.get(name);
    if (!managed) return Promise.reject(notUp(name));
    return managed.queue.enqueue(
      {
        label,
        run: async (operation) => {
          if (!managed.supervisor) throw notUp(name);
          return task(managed, managed.supervisor, operation);
        },
      },
      signal,
    );
  }

  /** `up` and `deploy`: plan, check, apply, wait until ready. */
  private async apply(
    managed: ManagedStack,
    stack: Stack,
    options: ApplyOptions & { restartAll: boolean; noRestart: string[]; runReleaseTasks: boolean; onSwitch?: () => void },
    progress: ProgressReporter,
    signal: AbortSignal,
  ): Promise<{ changed: boolean; plan: string[] }> {
    const { record } = managed;
    const scale = this.scaleOverridesFor(record, stack);
    const next = this.effectiveStack(stack, scale, managed.supervisor?.stack, options.noRestart);
    const running = managed.supervisor?.stack ?? null;
    const computed = planChange(running, next, { restartAll: options.restartAll, noRestart: options.noRestart, runReleaseTasks: options.runReleaseTasks, scale });
    // Services the user stopped stay stopped (and keep their new definition for `berth start`).
    const plan = { ...computed, services: computed.services.filter((action) => action.kind === "remove" || !record.stopped.includes(action.service)) };
    const targetsOf = (supervisor: StackSupervisor) =>
      next.services.map((service) => readinessTarget(service, supervisor.replicasOf(service.name), options.readyTimeoutMs));
    if (running && plan.unchanged) {
      if (options.wait) await waitUntilStackReady(targetsOf(managed.supervisor!), managed.supervisor!.secretValues(), signal);
      return { changed: false, plan: [] };
    }
    const paths = stackPaths(stack.name, this.home);
    const appEnv = Object.keys(options.appEnv).length > 0 ? options.appEnv : record.appEnv;
    preflight(next, { paths, appEnv, otherStacksHosts: this.hostsOfOtherStacks(stack.name) });
    // Checked and claimed in one turn of the event loop: two stacks' ups at once cannot both take a host.
    this.hostClaims.set(stack.name, next.proxy?.hosts ?? []);
    if (running) for (const line of describePlan(plan)) progress(line);
    let committed = false;
    const commit = () => {
      committed = true;
      managed.queue.commit(signal);
      Object.assign(record, { stack, scale, appEnv, up: true });
      options.onSwitch?.();
      this.store.writeNow();
    };
    try {
      if (plan.updateProxy || !running) await this.frontDoor.prepare(next, progress);
      if (running && !plan.restartBacking) {
        const failure = options.restartAll ? "deploy aborted" : "the change was not applied";
        await applyPlan(managed.supervisor!, next, plan, { signal, readyTimeoutMs: options.readyTimeoutMs, switchTraffic: () => this.frontDoor.refresh(), drainTraffic: (ports, timeoutMs) => this.frontDoor.drain(ports, timeoutMs), onSwitch: commit, failure }, progress);
      } else {
        if (running) {
          progress("the database or Redis settings changed: restarting the whole stack");
          await this.stopSupervisor(managed);
        }
        await this.startFresh(managed, next, plan, appEnv, { signal, readyTimeoutMs: options.readyTimeoutMs, onSwitch: commit }, progress);
      }
    } catch (error) {
      if (!committed && running) await this.recoverFromFailedChange(managed, running, plan, error as Error);
      throw error;
    } finally {
      this.hostClaims.delete(stack.name);
      for (const warning of managed.supervisor?.takeRunAsWarnings() ?? []) progress(`warning: ${warning}`);
    }
    this.watchersOf(stack.name).update(managed.supervisor!.stack);
    if (options.wait) await waitUntilStackReady(targetsOf(managed.supervisor!), managed.supervisor!.secretValues(), signal);
    return { changed: true, plan: describePlan(plan) };
  }

  /** A change that failed before its switch leaves what ran serving as before: its certificate, or (after a full restart) itself. */
  private async recoverFromFailedChange(managed: ManagedStack, running: Stack, plan: Plan, error: Error): Promise<void> {
    if (plan.updateProxy) await this.frontDoor.prepare(running, () => {}).catch(() => {});
    if (managed.supervisor || !managed.record.up) return;
    managed.problem = `the new configuration could not start (${error.message}); bringing back the previous one`;
    this.scheduleRestore(managed, 0);
  }

  /** Servers, release tasks, then services; a failure or a cancellation before the end stops all of it. */
  private async startFresh(
    managed: ManagedStack,
    next: Stack,
    plan: Plan,
    appEnv: Record<string, string>,
    context: Omit<RolloutContext, "switchTraffic" | "failure">,
    progress: ProgressReporter,
  ): Promise<ReadinessTarget[]> {
    const supervisor = new StackSupervisor(next, {
      paths: stackPaths(next.name, this.home),
      ports: this.ports,
      logger: this.logger,
      appEnv,
      onChange: () => {
        this.store.schedule();
        this.frontDoor.scheduleRefresh();
      },
      report: (event) => this.events.record({ ...event, stack: next.name }),
    });
    managed.supervisor = supervisor;
    let committed = false;
    const onSwitch = () => {
      committed = true;
      context.onSwitch();
    };
    try {
      await supervisor.startBacking(progress, context.signal, context.adopt);
      const services = plan.services.filter((action) => !managed.record.stopped.includes(action.service));
      return await applyPlan(supervisor, next, { ...plan, services }, { ...context, onSwitch, switchTraffic: () => this.frontDoor.refresh(), failure: "the stack did not start" }, progress);
    } catch (error) {
      // Once committed, the stack stays as far as it got (like `compose up --wait`), to be looked at;
      // a restore lets go of what it adopted instead (restoreStack).
      if (!committed && !context.adopt) await this.stopSupervisor(managed);
      throw error;
    }
  }

  /**
   * Adopts what the previous daemon left (same pids), starts what is missing. Not cancellable: a
   * half-adopted stack would lose track of processes. On failure nothing is stopped: everything
   * known is recorded again, let go of, and adopted by the retry.
   */
  private async restoreStack(managed: ManagedStack, signal: AbortSignal, retryDelayMs: number): Promise<void> {
    const { record } = managed;
    if (!record.up || managed.supervisor) return;
    managed.queue.commit(signal);
    const stack = this.effectiveStack(record.stack, record.scale);
    const adopt = adoptionLookup(record.replicas);
    this.logger.info("restoring stack", { stack: stack.name, adoptable: record.replicas.length });
    try {
      const plan = planChange(null, stack, { restartAll: false, noRestart: [], runReleaseTasks: false, scale: record.scale });
      await this.frontDoor.prepare(stack, () => {});
      const targets = await this.startFresh(managed, stack, plan, record.appEnv, { signal, adopt, onSwitch: () => {} }, () => {});
      await endRecordedProcesses(adopt.unclaimed(), this.logger);
      // Adopted replicas are probed again before the proxy routes by this daemon's table; one that died meanwhile is just not routed to.
      await waitUntilStackReady(targets.map((target) => ({ ...target, timeoutMs: Math.min(target.timeoutMs, ADOPTED_READY_TIMEOUT_MS) })), [], signal).catch(() => {});
      managed.problem = null;
      this.watchersOf(stack.name).update(stack);
      this.store.writeNow();
    } catch (error) {
      const partial = managed.supervisor as StackSupervisor | null;
      if (partial) {
        record.replicas = [...recordedReplicas(partial), ...adopt.unclaimed()];
        partial.detach();
        managed.supervisor = null;
      }
      this.store.writeNow();
      const message = (error as Error).message;
      managed.problem = `${message} (retrying in ${Math.round(retryDelayMs / 1000)} s)`;
      this.logger.error("could not restore stack; retrying", { stack: stack.name, error: message, retryInMs: retryDelayMs, trace: (error as Error).stack });
      this.scheduleRestore(managed, retryDelayMs);
    }
  }

  private scheduleRestore(managed: ManagedStack, delayMs: number): void {
    const timer = setTimeout(() => {
      void managed.queue
        .enqueue({ label: "restore", run: (signal) => this.restoreStack(managed, signal, Math.min(RESTORE_RETRY_MAX_MS, Math.max(RESTORE_RETRY_FIRST_MS, delayMs * 2))) })
        .catch(() => {});
    }, delayMs);
    timer.unref();
  }

  /** The stack as it runs: berth.yml's definition with scale overrides; services left running keep their definition. */
  private effectiveStack(stack: Stack, scale: Record<string, number>, running?: Stack, keepRunning: string[] = []): Stack {
    const services = stack.services.map((service) => {
      const kept = keepRunning.includes(service.name) ? running?.services.find((candidate) => candidate.name === service.name) : undefined;
      const definition = kept ?? service;
      return { ...definition, replicas: scale[service.name] ?? definition.replicas };
    });
    return { ...stack, services };
  }

  /** An override stays until berth.yml's own count for that service changes. */
  private scaleOverridesFor(record: StackRecord, stack: Stack): Record<string, number> {
    const scale: Record<string, number> = {};
    for (const [service, count] of Object.entries(record.scale)) {
      const before = record.stack.services.find((candidate) => candidate.name === service);
      const after = stack.services.find((candidate) => candidate.name === service);
      if (before && after && before.replicas === after.replicas) scale[service] = count;
    }
    return scale;
  }

  private recordRelease(record: StackRecord, info: ReleaseInfo, rollback: boolean): ReleaseRecord {
    const existing = record.releases.find((release) => release.id === info.id);
    if (existing && rollback) return existing;
    const release: ReleaseRecord = { ...info, status: "deploying", durationMs: null, error: null };
    record.releases.push(release);
    this.store.writeNow();
    return release;
  }

  /** Releases whose directory a process still runs in (`deploy --no-restart`) or would restart in. */
  private releasesInUse(managed: ManagedStack): Set<string> {
    const root = stackPaths(managed.record.stack.name, this.home).root;
    const directories = [
      ...(managed.supervisor?.stack.services.map((service) => service.cwd) ?? []),
      ...(managed.supervisor?.processSnapshots().map((snapshot) => (snapshot.pid === null ? null : readWorkingDirectory(snapshot.pid))) ?? []),
    ].filter((directory): directory is string => directory !== null);
    const inUse = new Set<string>();
    for (const release of managed.record.releases) {
      const directory = releaseDirectory(root, release.id);
      if (directories.some((used) => used === directory || used.startsWith(directory + "/"))) inUse.add(release.id);
    }
    return inUse;
  }

  private hostsOfOtherStacks(name: string): Map<string, string[]> {
    const hosts = new Map<string, string[]>();
    for (const [other, managed] of this.stacks) {
      if (other !== name && managed.record.up && managed.supervisor?.stack.proxy) hosts.set(other, [...managed.supervisor.stack.proxy.hosts]);
    }
    for (const [other, claimed] of this.hostClaims) if (other !== name) hosts.set(other, [...(hosts.get(other) ?? []), ...claimed]);
    return hosts;
  }

  private runningStacks() {
    return [...this.stacks.values()]
      .filter((managed) => managed.supervisor !== null)
      .map((managed) => ({ stack: managed.supervisor!.stack, replicas: managed.supervisor!.snapshot(), maintenance: managed.record.maintenance === true }));
  }

  private async stopSupervisor(managed: ManagedStack): Promise<void> {
    const supervisor = managed.supervisor;
    if (!supervisor) return;
    this.watchersOf(supervisor.stack.name).close();
    managed.supervisor = null;
    await supervisor.stop();
    managed.record.replicas = [];
    this.frontDoor.forget(supervisor.stack.name);
    this.store.schedule();
  }

  private collectState(): DaemonState {
    const stacks: Record<string, StackRecord> = {};
    for (const [name, { record, supervisor }] of this.stacks) stacks[name] = { ...record, replicas: supervisor ? recordedReplicas(supervisor) : record.replicas };
    return { version: 2, stacks };
  }
}

/** Every process the supervisor knows, as the next daemon needs it to adopt them. */
function recordedReplicas(supervisor: StackSupervisor): RecordedReplica[] {
  return supervisor
    .processSnapshots()
    .filter((snapshot) => snapshot.pid !== null && snapshot.startTicks !== null)
    .map((snapshot) => ({
      service: snapshot.service,
      replica: snapshot.replica,
      pid: snapshot.pid!,
      startTicks: snapshot.startTicks!,
      startedAt: snapshot.startedAt ?? Date.now(),
      restarts: snapshot.restarts,
      port: snapshot.port,
      outputPipes: snapshot.outputPipes,
      pending: snapshot.pending,
    }));
}

function notUp(name: string): UserError {
  return new UserError(`stack "${name}" is not up`, { hint: "start it with `berth up -d`; `berth ls` lists the stacks this daemon runs" });
}
