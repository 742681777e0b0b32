import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Service, Stack } from "../config/types.js";
// Direct imports, not the config barrel: the daemon need not load the YAML parser and zod.
import { buildServiceEnv, buildTaskEnv } from "../config/service-env.js";
import { ensureSecrets } from "../config/secrets.js";
import { startOrder } from "../config/dependency-order.js";
import { releaseLogPath, replicaLogPath, type RotatingLogFile } from "../logs/index.js";
import { RedactingLogFile } from "./redacting-log-file.js";
import { enforceRetention } from "../logs/retention.js";
import { AppLogRotator } from "../logs/app-log-files.js";
import { jobLogPath } from "../logs/list.js";
import { JobScheduler } from "../jobs/job-scheduler.js";
import { jobStatePath } from "../jobs/job-state.js";
import type { JobOutcome } from "../jobs/run-job.js";
import type { Logger } from "../util/logger.js";
import type { StackPaths } from "../util/paths.js";
import { UserError } from "../errors.js";
import type { PortAllocator } from "./ports.js";
import { Replica, type AdoptionRecord, type ReplicaSnapshot } from "./replica.js";
import { runReleaseTasks } from "./release-tasks.js";
import { DEFAULT_READY_TIMEOUT_MS, readyTimeoutMs } from "./readiness.js";
import { BackingServices, waitForServer, type BackingEnv, type BackupFile } from "../backing/index.js";
import { throwIfCancelled } from "../daemon/operation-queue.js";
import { endRecordedProcesses } from "../daemon/leftovers.js";
import type { NewStackEvent } from "../events/stack-event.js";
import { allowTraversal, chownTree, isRoot, type SystemUser } from "../backing/run-as.js";
import { ensureStackUser, identityEnv, stackUserName } from "./stack-user.js";
import { chooseRunAs, describeRunningAsRoot, type RunAsChoice } from "./run-as-user.js";

export interface StackSupervisorOptions {
  paths: StackPaths;
  ports: PortAllocator;
  logger: Logger;
  /** What the apps inherit (PATH, locale…): recorded with the stack, never the daemon's own environment. */
  appEnv: Record<string, string>;
  /** Called whenever a replica changes state, so the daemon can persist it. */
  onChange: () => void;
  /** Records an event of this stack (src/events): crashes, health restarts, scheduled backups. */
  report: (event: Omit<NewStackEvent, "stack">) => void;
}

export type ProgressReporter = (message: string) => void;

const SERVER_ENV_KEYS = ["PATH", "LANG", "LC_ALL", "TZ"];

/** A database or Redis server's environment: locale and PATH from berth's, HOME in its own directory, its own variables. */
function serverEnv(appEnv: Record<string, string>, service: Service): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of SERVER_ENV_KEYS) if (appEnv[key] !== undefined) env[key] = appEnv[key]!;
  return { ...env, HOME: service.cwd, ...service.env };
}


/**
 * The processes of one stack: its database/Redis servers and each service's replicas. It does what
 * it is told (start, scale, replace, retire); deciding what to do is the plan's job (src/release).
 */
export class StackSupervisor {
  private readonly replicas = new Map<string, Replica[]>();
  /** Created for a deploy but not yet switched in: recorded in state too, so a daemon crash leaves no orphan. */
  private readonly pending = new Set<Replica>();
  private readonly logFiles = new Map<string, RotatingLogFile>();
  private secrets: Record<string, string> = {};
  private readonly formerSecretValues: string[] = [];
  /** The database and Redis servers berth runs for the stack (src/backing): started first, stopped last. */
  private readonly backing: BackingServices;
  private backingReplicas: Replica[] = [];
  private backingEnv: BackingEnv = { env: {}, secretValues: [] };
  private current: Stack;
  /** The stack's scheduled jobs (src/jobs), from the moment its database is up. */
  private jobs: JobScheduler | null = null;
  /** `logs.files` and `logs.max_age` for files nobody is writing to (src/logs/app-log-files.ts). */
  private readonly appLogs = new AppLogRotator({
    policy: () => this.stack.logs,
    root: () => this.stack.root,
    signal: (service, signal) => this.signalService(service, signal),
  });
  private ownUser: SystemUser | null = null;
  /** The stack's own system user, created the first time it is needed (berth as root only). */
  private readonly stackUser = (): SystemUser => (this.ownUser ??= ensureStackUser(this.current.name));
  private readonly runAsChoices = new Map<string, RunAsChoice>();
  /** Services running as root although berth would rather not, by reason, until the next takeRunAsWarnings(). */
  private readonly runningAsRoot = new Map<string, string[]>();
  private readonly rootsGiven = new Set<string>();

  constructor(
    stack: Stack,
    private readonly options: StackSupervisorOptions,
  ) {
    this.current = stack;
    this.backing = new BackingServices(stack, {
      paths: options.paths,
      baseEnv: options.appEnv,
      logger: options.logger,
      report: options.report,
      ...(isRoot() ? { stackUser: this.stackUser } : {}),
    });
  }

  /** The definition running now (with scale overrides); a deploy replaces it at the switch. */
  get stack(): Stack {
    return this.current;
  }

  /** Data and log directories, secrets, then the database and Redis servers, ready and provisioned. */
  async startBacking(progress: ProgressReporter, signal?: AbortSignal, adopt: AdoptionRecordFor = () => null): Promise<void> {
    const { paths } = this.options;
    mkdirSync(paths.data, { recursive: true, mode: 0o700 });
    mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
    const { database } = this.stack;
    if (database.engine === "postgres" || database.engine === "mariadb" || this.stack.redis || this.stack.releaseId !== null) this.giveStackItsFiles(this.stack);
    this.secrets = ensureSecrets(paths.secrets, this.stack.secrets);
    const servers = await this.backing.prepare(progress);
    this.backingEnv = this.backing.env();
    for (const server of servers) {
      progress(`starting ${server.name}`);
      const replica = await this.adoptOrCreate(this.stack, server, 0, adopt, true);
      this.pending.delete(replica);
      this.backingReplicas.push(replica);
    }
    for (const [index, server] of servers.entries()) {
      throwIfCancelled(signal);
      progress(`waiting for ${server.name} to be ready`);
      await waitForServer(this.backingReplicas[index]!, readyTimeoutMs(server), signal);
    }
    await this.backing.provision(progress);
    this.backing.startSchedule();
    this.appLogs.start(paths.logs);
    this.startJobs();
  }

  async stop(): Promise<void> {
    this.backing.stopSchedule();
    this.appLogs.stop();
    await this.jobs?.stop();
    // Dependents first, so a web process never outlives the service it needs; then any the definition no longer names.
    for (const name of [...startOrder(this.stack.services).reverse().map((service) => service.name), ...this.replicas.keys()]) {
      await Promise.all((this.replicas.get(name) ?? []).map((replica) => this.retire(replica)));
      this.replicas.delete(name);
    }
    await Promise.all([...this.pending].map((replica) => this.retire(replica)));
    await Promise.all(this.backingReplicas.map((replica) => this.retire(replica)));
    this.backingReplicas = [];
    await this.closeLogs();
  }

  /** Lets go of every process without stopping it: the next daemon adopts them. */
  detach(): void {
    this.backing.stopSchedule();
    this.appLogs.stop();
    this.jobs?.detach();
    for (const replica of this.allReplicas()) replica.detach();
    void this.closeLogs();
  }

  /** Starts `service`'s replicas (adopting any the previous daemon left) up to its count; stops the surplus. */
  /** `beforeStopping` runs with the surplus replicas once they are out of the service's list (so out of the next proxy table). */
  async scaleService(service: Service, count: number, adopt: AdoptionRecordFor = () => null, beforeStopping?: (surplus: Replica[]) => Promise<void>): Promise<Replica[]> {
    const current = this.replicas.get(service.name) ?? [];
    this.replicas.set(service.name, current);
    const added: Replica[] = [];
    while (current.length < count) {
      const replica = await this.adoptOrCreate(this.stack, service, current.length, adopt);
      this.pending.delete(replica);
      current.push(replica);
      added.push(replica);
    }
    const surplus = current.splice(count);
    if (surplus.length > 0 && beforeStopping) await beforeStopping(surplus).catch(() => undefined);
    await Promise.all(surplus.reverse().map((replica) => this.retire(replica)));
    this.options.onChange();
    return added;
  }

  /** Stops a service's replicas and forgets them (`berth stop`, a service removed from berth.yml). */
  async stopService(serviceName: string): Promise<void> {
    const replicas = this.replicas.get(serviceName) ?? [];
    this.replicas.delete(serviceName);
    await Promise.all(replicas.map((replica) => this.retire(replica)));
    this.options.onChange();
  }

  snapshot(): ReplicaSnapshot[] {
    const servers = this.backingReplicas.map((replica) => replica.snapshot());
    const defined = this.stack.services.map((service) => service.name);
    const names = [...defined, ...[...this.replicas.keys()].filter((name) => !defined.includes(name))];
    return [...servers, ...names.flatMap((name) => (this.replicas.get(name) ?? []).map((replica) => replica.snapshot()))];
  }

  /** Every replica with a process, including a deploy's not yet switched in (marked pending). */
  processSnapshots(): (ReplicaSnapshot & { pending: boolean })[] {
    return [
      ...this.snapshot().map((snapshot) => ({ ...snapshot, pending: false })),
      ...[...this.pending].map((replica) => ({ ...replica.snapshot(), pending: true })),
    ];
  }

  /** `berth backup`: the database (and Redis) into the stack's backups directory, while the app keeps serving. */
  backup(progress: ProgressReporter): Promise<BackupFile[]> {
    return this.backing.backup("manual", progress);
  }

  /** `berth restore`: verifies the backup, stops the app's services, restores, starts them again. */
  restoreBackup(nameOrPath: string, progress: ProgressReporter): Promise<{ name: string }> {
    return this.backing.restore(nameOrPath, (names, task) => this.withServicesStopped(names, task, progress), progress);
  }

  service(name: string): Service {
    const service = this.stack.services.find((candidate) => candidate.name === name);
    if (!service) {
      const known = this.stack.services.map((candidate) => candidate.name).join(", ");
      throw new UserError(`stack ${this.stack.name} has no service named "${name}"`, { hint: `services: ${known}` });
    }
    return service;
  }

  backingServer(name: string): Replica | undefined {
    return this.backingReplicas.find((replica) => replica.snapshot().service === name);
  }

  /** A new, started replica of `service` as `stack` defines it; deploys pass the next release's stack. Pending until switched in. */
  async createReplica(stack: Stack, service: Service, index: number): Promise<Replica> {
    return this.adoptOrCreate(stack, service, index, () => null);
  }

  replicasOf(serviceName: string): Replica[] {
    return this.replicas.get(serviceName) ?? [];
  }

  serviceNamesRunning(): string[] {
    return [...this.replicas.keys()];
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
    this.jobs?.sync();
    this.options.onChange();
  }

  async runReleaseTasksFor(stack: Stack, progress: ProgressReporter, signal?: AbortSignal): Promise<void> {
    if (stack.release.length === 0) return;
    const task = this.taskIdentity(stack, "release", stack.release[0]!);
    await runReleaseTasks({
      user: task.user,
      commands: stack.release,
      cwd: stack.root,
      env: task.env,
      log: this.logFile(releaseLogPath(this.options.paths.logs)),
      secretValues: this.secretValues(),
      onProgress: progress,
      signal,
    });
  }

  /** Reads the secrets again (`berth secret set` / `rotate`): replicas started from now on get the new values. */
  reloadSecrets(): void {
    // The replicas being replaced still hold the former values: those stay hidden too.
    this.formerSecretValues.push(...Object.values(this.secrets));
    this.secrets = ensureSecrets(this.options.paths.secrets, this.stack.secrets);
  }

  /** A line of berth's own in the logs of every replica of the service (`berth logs web` shows it). */
  note(serviceName: string, message: string): void {
    this.replicasOf(serviceName).forEach((_replica, index) => this.logFile(replicaLogPath(this.options.paths.logs, serviceName, index)).writeLine("err", `[berth] ${message}`));
  }

  /** Values that must never appear in what berth prints. */
  secretValues(): string[] {
    return [...Object.values(this.secrets), ...this.formerSecretValues, ...this.backingEnv.secretValues];
  }

  async retire(replica: Replica): Promise<void> {
    await replica.stop();
    this.pending.delete(replica);
    this.options.ports.release(replica.port);
  }

  /** Warnings about processes that run as root although berth would rather not, each said once. */
  takeRunAsWarnings(): string[] {
    const warnings = describeRunningAsRoot(this.runningAsRoot);
    this.runningAsRoot.clear();
    return warnings;
  }

  /** Who runs `service` of `stack` (src/supervisor/run-as-user.ts), decided once per release and command. */
  private runAs(stack: Stack, service: Pick<Service, "name" | "command" | "cwd" | "runAs">): RunAsChoice {
    const key = [stack.root, service.name, service.command, service.cwd, service.runAs].join("\0");
    let choice = this.runAsChoices.get(key);
    if (!choice) {
      // A release is berth's directory: the stack's user gets it before the check.
      if (isRoot() && stack.releaseId !== null) this.giveStackItsFiles(stack);
      choice = chooseRunAs(service, this.stackUser, this.options.appEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin", stackUserName(stack.name), stack.releaseId !== null);
      this.runAsChoices.set(key, choice);
      if (choice.user && choice.user.uid === this.ownUser?.uid) this.giveStackItsFiles(stack);
      if (choice.rootBecause) {
        const names = this.runningAsRoot.get(choice.rootBecause) ?? [];
        if (!names.includes(service.name)) names.push(service.name);
        this.runningAsRoot.set(choice.rootBecause, names);
        this.options.logger.warn("a service runs as root", { stack: stack.name, service: service.name, reason: choice.rootBecause });
      }
    }
    return choice;
  }

  /** Who runs a one-off task of the stack (a release task, a job) in its directory, and with what environment. */
  private taskIdentity(stack: Stack, name: string, command: string): { user: SystemUser | null; env: Record<string, string> } {
    const { user } = this.runAs(stack, { name, command, cwd: stack.root, runAs: stack.user });
    const env = buildTaskEnv({
      stack,
      secrets: this.secrets,
      dataDir: this.options.paths.data,
      baseEnv: this.options.appEnv,
      release: stack.releaseId ?? undefined,
      backingEnv: this.backingEnv.env,
    });
    return { user, env: { ...env, ...identityEnv(this.options.paths.root, user) } };
  }

  /**
   * When berth is root, the stack's user owns what the stack writes: its data directory, and a
   * release directory with its shared files (deploys). berth's own directories above stay root's,
   * enterable but not listable; the secrets file and logs stay root's alone.
   */
  private giveStackItsFiles(stack: Stack): void {
    if (!isRoot() || this.rootsGiven.has(stack.root)) return;
    this.rootsGiven.add(stack.root);
    const user = this.stackUser();
    const { root, data } = this.options.paths;
    const home = dirname(dirname(root));
    allowTraversal([home, dirname(root), root]);
    chownSync(data, user.uid, user.gid);
    chmodSync(data, 0o700);
    if (stack.releaseId === null) return;
    const releases = dirname(stack.root);
    if (existsSync(releases)) allowTraversal([releases]);
    chownTree(stack.root, user);
    chmodSync(stack.root, 0o700);
    const shared = join(root, "shared");
    if (existsSync(shared)) chownTree(shared, user);
  }

  private allReplicas(): Replica[] {
    return [...this.backingReplicas, ...[...this.replicas.values()].flat(), ...this.pending];
  }

  private async adoptOrCreate(stack: Stack, service: Service, index: number, adopt: AdoptionRecordFor, server = false): Promise<Replica> {
    const record = adopt(service.name, index);
    const port = record ? this.options.ports.hold(record.port) : await this.options.ports.allocate(service.port, index);
    // The database and Redis servers come with their user (src/backing); apps get one chosen here.
    const user = service.user ?? this.runAs(stack, service).user;
    if (user && !service.user) service = { ...service, user };
    const options = {
      service,
      index,
      port,
      runDir: join(this.options.paths.root, "run"),
      // A server gets only what it needs: never the app's secrets or the stack's env.
      env: server
        ? serverEnv(this.options.appEnv, service)
        : {
            ...buildServiceEnv({
              stack,
              service,
              replica: index,
              port,
              secrets: this.secrets,
              dataDir: this.options.paths.data,
              baseEnv: this.options.appEnv,
              release: stack.releaseId ?? undefined,
              backingEnv: this.backingEnv.env,
            }),
            ...identityEnv(this.options.paths.root, user ?? null),
          },
      log: this.logFile(replicaLogPath(this.options.paths.logs, service.name, index)),
      logger: this.options.logger.child({ stack: stack.name }),
      onChange: this.options.onChange,
      report: (kind: "crash" | "crash-loop" | "health-restart", message: string) => this.options.report({ kind, message, service: service.name, replica: index, release: stack.releaseId ?? undefined }),
    };
    const adopted = record ? Replica.adopt(options, record) : null;
    if (adopted) this.options.logger.info("adopted a replica", { stack: stack.name, service: service.name, replica: index, pid: record!.pid });
    // The leader died while no daemon watched, but what it forked may still hold the port.
    else if (record) await endRecordedProcesses([{ ...record, service: service.name, replica: index, pending: false }], this.options.logger);
    const replica = adopted ?? new Replica(options);
    this.pending.add(replica);
    if (!adopted) replica.start();
    return replica;
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
        this.replicasOf(service.name).forEach((replica) => replica.start());
      }
    }
  }

  /** `berth jobs run NAME`: runs the job now in the live release and resolves with how it went. */
  runJob(name: string): Promise<JobOutcome> {
    if (!this.jobs || !(this.stack.jobs ?? []).some((job) => job.name === name)) {
      const known = (this.stack.jobs ?? []).map((job) => job.name).join(", ") || "none";
      throw new UserError(`stack ${this.stack.name} has no job named "${name}"`, { hint: `jobs: ${known}` });
    }
    return this.jobs.runNow(name);
  }

  private startJobs(): void {
    this.jobs = new JobScheduler({
      stack: () => this.stack,
      // As release tasks run: the same user (the stack's own, when berth is root) and environment.
      launch: (stack, job) => this.taskIdentity(stack, job.name, job.command),
      log: (name) => this.logFile(jobLogPath(this.options.paths.logs, name)),
      statePath: jobStatePath(this.options.paths.root),
      report: this.options.report,
      logger: this.options.logger,
    });
    this.jobs.sync();
  }

  /** Tells each replica's main process to reopen its log files (`logs.files` with a signal). */
  private signalService(serviceName: string, signal: string): void {
    for (const replica of this.replicasOf(serviceName)) {
      const { pid } = replica.snapshot();
      if (!pid) continue;
      try {
        process.kill(pid, signal as NodeJS.Signals);
      } catch (error) {
        this.options.logger.warn("could not signal a replica to reopen its log file", { service: serviceName, signal, error: (error as Error).message });
      }
    }
  }

  private logFile(path: string): RotatingLogFile {
    let log = this.logFiles.get(path);
    if (!log) {
      log = new RedactingLogFile(path, this.stack.logs, () => this.secretValues(), this.options.logger, () => enforceRetention(this.options.paths.logs, this.stack.logs));
      this.logFiles.set(path, log);
    }
    return log;
  }

  private async closeLogs(): Promise<void> {
    await Promise.all([...this.logFiles.values()].map((log) => log.close()));
    this.logFiles.clear();
  }
}

/** The previous daemon's record of replica `index` of `service`, when there is one to adopt. */
export type AdoptionRecordFor = (service: string, index: number) => (AdoptionRecord & { port: number | null }) | null;
