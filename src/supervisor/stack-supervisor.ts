import { join } from "node:path";
import { mkdirSync } from "node:fs";
import type { Service, Stack } from "../config/types.js";
// Direct imports, not the config barrel: the daemon need not load the YAML parser and zod.
import { buildServiceEnv, buildTaskEnv } from "../config/service-env.js";
import { ensureSecrets } from "../config/secrets.js";
import { startOrder } from "../config/dependency-order.js";
import { RotatingLogFile, releaseLogPath, replicaLogPath } from "../logs/index.js";
import type { Logger } from "../util/logger.js";
import type { StackPaths } from "../util/paths.js";
import { UserError } from "../errors.js";
import type { PortAllocator } from "./ports.js";
import { Replica, type ReplicaSnapshot } from "./replica.js";
import { runReleaseTasks } from "./release-tasks.js";
import { BackingServices, waitForServer, type BackingEnv, type BackupFile } from "../backing/index.js";

export interface StackSupervisorOptions {
  paths: StackPaths;
  ports: PortAllocator;
  logger: Logger;
  baseEnv: Record<string, string>;
  /** Called whenever a replica changes state, so the daemon can persist it. */
  onChange: () => void;
}

export type ProgressReporter = (message: string) => void;

/** How long `up` waits for a dependency to become ready when its health check does not bound it. */
const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** Runs one stack: release tasks, then services in dependency order, each with its replicas. */
export class StackSupervisor {
  private readonly replicas = new Map<string, Replica[]>();
  /** Created for a deploy but not yet switched in: recorded in state too, so a daemon crash leaves no orphan. */
  private readonly pending = new Set<Replica>();
  private readonly logFiles = new Map<string, RotatingLogFile>();
  private secrets: Record<string, string> = {};
  /** The database and Redis servers berth runs for the stack (src/backing): started first, stopped last. */
  private readonly backing: BackingServices;
  private backingReplicas: Replica[] = [];
  private backingEnv: BackingEnv = { env: {}, secretValues: [] };

  private current: Stack;

  constructor(
    stack: Stack,
    private readonly options: StackSupervisorOptions,
  ) {
    this.current = stack;
    this.backing = new BackingServices(stack, { paths: options.paths, baseEnv: options.baseEnv, logger: options.logger });
  }

  /** The definition running now; a deploy replaces it at the switch. */
  get stack(): Stack {
    return this.current;
  }

  async start(progress: ProgressReporter = () => {}): Promise<void> {
    const { paths } = this.options;
    mkdirSync(paths.data, { recursive: true, mode: 0o700 });
    mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
    this.secrets = ensureSecrets(paths.secrets, this.stack.secrets);
    await this.startBackingServices(progress);
    await this.runReleaseTasksFor(this.stack, progress);
    for (const service of startOrder(this.stack.services)) {
      await this.waitForDependencies(service, progress);
      progress(`starting ${service.name} (${service.replicas} replica${service.replicas === 1 ? "" : "s"})`);
      await this.scaleService(service, service.replicas);
    }
    this.backing.startSchedule();
  }

  async stop(): Promise<void> {
    this.backing.stopSchedule();
    // Dependents first, so a web process never outlives the service it needs.
    const reversed = startOrder(this.stack.services).reverse();
    for (const service of reversed) {
      await Promise.all((this.replicas.get(service.name) ?? []).map((replica) => this.retire(replica)));
      this.replicas.delete(service.name);
    }
    await Promise.all(this.backingReplicas.map((replica) => this.retire(replica)));
    this.backingReplicas = [];
    await Promise.all([...this.logFiles.values()].map((log) => log.close()));
    this.logFiles.clear();
  }

  /** Restarts one service (or all), one replica at a time, each waiting for the previous to be ready. */
  async restart(serviceName?: string): Promise<void> {
    const server = this.backingReplicas.find((replica) => replica.snapshot().service === serviceName);
    if (server) return server.restart();
    const services = serviceName ? [this.service(serviceName)] : this.stack.services;
    for (const service of services) {
      for (const replica of this.replicas.get(service.name) ?? []) {
        await replica.restart();
        if (service.replicas > 1) await replica.waitUntilReady(readyTimeoutMs(service)).catch(() => {});
      }
    }
  }

  async scale(serviceName: string, count: number): Promise<void> {
    const service = this.service(serviceName);
    service.replicas = count;
    await this.scaleService(service, count);
  }

  snapshot(): ReplicaSnapshot[] {
    const servers = this.backingReplicas.map((replica) => replica.snapshot());
    return [...servers, ...this.stack.services.flatMap((service) => (this.replicas.get(service.name) ?? []).map((replica) => replica.snapshot()))];
  }

  /** `berth backup`: the database (and Redis) into the stack's backups directory, while the app keeps serving. */
  backup(progress: ProgressReporter): Promise<BackupFile[]> {
    return this.backing.backup("manual", progress);
  }

  /** `berth restore`: verifies the backup, stops the app's services, restores, starts them again. */
  restoreBackup(nameOrPath: string, progress: ProgressReporter): Promise<{ name: string }> {
    return this.backing.restore(nameOrPath, (names, task) => this.withServicesStopped(names, task, progress), progress);
  }

  private service(name: string): Service {
    const service = this.stack.services.find((candidate) => candidate.name === name);
    if (!service) {
      const known = this.stack.services.map((candidate) => candidate.name).join(", ");
      throw new UserError(`stack ${this.stack.name} has no service named "${name}"`, { hint: `services: ${known}` });
    }
    return service;
  }

  private async scaleService(service: Service, count: number): Promise<void> {
    const current = this.replicas.get(service.name) ?? [];
    this.replicas.set(service.name, current);
    while (current.length < count) {
      const replica = await this.createReplica(this.stack, service, current.length);
      this.pending.delete(replica);
      current.push(replica);
      replica.start();
    }
    const surplus = current.splice(count);
    await Promise.all(surplus.reverse().map((replica) => this.retire(replica)));
    this.options.onChange();
  }

  /** A new (not yet started) replica of `service` as `stack` defines it; deploys pass the next release's stack. */
  async createReplica(stack: Stack, service: Service, index: number): Promise<Replica> {
    const port = await this.options.ports.allocate(service.port, index);
    const replica = new Replica({
      service,
      index,
      port,
      env: buildServiceEnv({
        stack,
        service,
        replica: index,
        port,
        secrets: this.secrets,
        dataDir: this.options.paths.data,
        baseEnv: this.options.baseEnv,
        release: stack.releaseId ?? undefined,
        backingEnv: this.backingEnv.env,
      }),
      log: this.logFile(replicaLogPath(this.options.paths.logs, service.name, index)),
      logger: this.options.logger.child({ stack: stack.name }),
      onChange: this.options.onChange,
      runDir: join(this.options.paths.root, "run"),
    });
    this.pending.add(replica);
    return replica;
  }

  /** Every replica with a process, including a deploy's not yet switched in. */
  processSnapshots(): ReplicaSnapshot[] {
    return [...this.snapshot(), ...[...this.pending].map((replica) => replica.snapshot())];
  }

  serviceNamesRunning(): string[] {
    return [...this.replicas.keys()];
  }

  replicasOf(serviceName: string): Replica[] {
    return this.replicas.get(serviceName) ?? [];
  }

  /** Puts `replicas` in place of the service's current ones, in one assignment (the switch). */
  replaceReplicas(serviceName: string, replicas: Replica[]): void {
    for (const replica of replicas) this.pending.delete(replica);
    if (replicas.length === 0) this.replicas.delete(serviceName);
    else this.replicas.set(serviceName, replicas);
    this.options.onChange();
  }

  adoptStack(next: Stack): void {
    this.current = next;
    this.options.onChange();
  }

  async runReleaseTasksFor(stack: Stack, progress: ProgressReporter): Promise<void> {
    if (stack.release.length === 0) return;
    await runReleaseTasks({
      commands: stack.release,
      cwd: stack.root,
      env: buildTaskEnv({
        stack,
        secrets: this.secrets,
        dataDir: this.options.paths.data,
        baseEnv: this.options.baseEnv,
        release: stack.releaseId ?? undefined,
        backingEnv: this.backingEnv.env,
      }),
      log: this.logFile(releaseLogPath(this.options.paths.logs)),
      secretValues: [...Object.values(this.secrets), ...this.backingEnv.secretValues],
      onProgress: progress,
    });
  }

  async retire(replica: Replica): Promise<void> {
    await replica.stop();
    this.pending.delete(replica);
    this.options.ports.release(replica.port);
  }

  /** Database and Redis before anything else; every app service implicitly depends on them. */
  private async startBackingServices(progress: ProgressReporter): Promise<void> {
    const servers = await this.backing.prepare(progress);
    this.backingEnv = this.backing.env();
    for (const server of servers) {
      progress(`starting ${server.name}`);
      const replica = await this.createReplica(this.stack, server, 0);
      this.pending.delete(replica);
      this.backingReplicas.push(replica);
      replica.start();
    }
    for (const [index, server] of servers.entries()) {
      progress(`waiting for ${server.name} to be ready`);
      await waitForServer(this.backingReplicas[index]!, readyTimeoutMs(server));
    }
    await this.backing.provision(progress);
  }

  /** Stops these services (dependents first), runs `task`, then starts them again in start order, each ready before the next. */
  private async withServicesStopped(names: string[], task: () => Promise<void>, progress: ProgressReporter): Promise<void> {
    const servers = this.backingReplicas.filter((replica) => names.includes(replica.snapshot().service));
    const services = startOrder(this.stack.services).filter((service) => names.includes(service.name));
    for (const service of [...services].reverse()) {
      progress(`stopping ${service.name}`);
      await Promise.all(this.replicasOf(service.name).map((replica) => replica.stop()));
    }
    await Promise.all(servers.map((replica) => replica.stop()));
    try {
      await task();
    } finally {
      servers.forEach((replica) => replica.start());
      await Promise.all(servers.map((replica) => replica.waitUntilReady(DEFAULT_READY_TIMEOUT_MS).catch(() => {})));
      for (const service of services) {
        progress(`starting ${service.name}`);
        const replicas = this.replicasOf(service.name);
        replicas.forEach((replica) => replica.start());
        await Promise.all(replicas.map((replica) => replica.waitUntilReady(readyTimeoutMs(service)).catch(() => {})));
      }
    }
  }

  private async waitForDependencies(service: Service, progress: ProgressReporter): Promise<void> {
    for (const dependencyName of service.dependsOn) {
      const dependency = this.service(dependencyName);
      progress(`waiting for ${dependencyName} to be ready`);
      const timeoutMs = readyTimeoutMs(dependency);
      await Promise.all((this.replicas.get(dependencyName) ?? []).map((replica) => replica.waitUntilReady(timeoutMs))).catch(
        (error: Error) => {
          throw new UserError(`${service.name} depends on ${dependencyName}, which did not become ready: ${error.message}`, {
            exitCode: 3,
            hint: `see \`berth logs ${dependencyName}\``,
          });
        },
      );
    }
  }

  private logFile(path: string): RotatingLogFile {
    let log = this.logFiles.get(path);
    if (!log) {
      log = new RotatingLogFile(path, this.stack.logs);
      this.logFiles.set(path, log);
    }
    return log;
  }
}

export function readyTimeoutMs(service: Service): number {
  if (!service.health) return DEFAULT_READY_TIMEOUT_MS;
  const { startPeriodMs, intervalMs, retries, timeoutMs } = service.health.probe;
  return Math.max(DEFAULT_READY_TIMEOUT_MS, startPeriodMs + (intervalMs + timeoutMs) * (retries + 1));
}
