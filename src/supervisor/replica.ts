import type { ChildProcess } from "node:child_process";
import { errorMessage } from "../errors.js";
import { HealthMonitor, type HealthState } from "../health/health-monitor.js";
import { OutputReaders, removeOutputPipes, type OutputPipePaths } from "./output-pipe.js";
import { killProcessGroup, terminateProcessGroup } from "./process-group.js";
import { readProcessStat } from "./procfs.js";
import type { AdoptionRecord, ReplicaOptions, ReplicaSnapshot } from "./replica-types.js";
import { spawnReplicaProcess, type SpawnedReplica } from "./spawn-replica.js";
import { ReadyWaiters, type Readiness } from "./ready-wait.js";
import { nextStatus, type ReplicaEvent, type ReplicaStatus } from "./replica-state.js";
import { isCrashLooping, markStable, recordExit, restartDelayMs, shouldRestart, STABLE_UPTIME_MS, START_UPTIME_MS, type RestartTracker } from "./restart-policy.js";

export type { ReplicaStatus } from "./replica-state.js";
export { ReplicaNotReadyError, type NotReadyReason } from "./ready-wait.js";
export { waitForGroupToEmpty } from "./process-group.js";
export type { OutputPipePaths } from "./output-pipe.js";
export type { AdoptionRecord, ReplicaOptions, ReplicaSnapshot } from "./replica-types.js";

/** An adopted process is not our child: no exit event, so /proc is polled this often. */
const ADOPTED_POLL_MS = 200;
/** After the process is gone, how long its last output may take to arrive before the FIFOs go. */
const OUTPUT_DRAIN_MS = 1_000;
/** stop() waits this long past SIGKILL for the exit to be handled, so it can never hang. */
const EXIT_HANDLED_MS = 5_000;
const UNKNOWN_EXIT = "exited (exit status unknown: the process was started by an earlier daemon)";

export class Replica {
  private child: ChildProcess | null = null;
  /** A spawn whose 'error' is still to come (no pid): the process never ran. */
  private failingSpawn: ChildProcess | null = null;
  /** The leader's pid, which is also its process group; null when no process exists. */
  private processGroup: number | null = null;
  private adoptedWatch: NodeJS.Timeout | null = null;
  private outputPipes: OutputPipePaths | null = null;
  private readers: OutputReaders | null = null;
  private monitor: HealthMonitor | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private readonly tracker: RestartTracker = { consecutiveQuickExits: 0 };
  private stopRequested = false;
  private detached = false;
  private healing = false;
  private stopping: Promise<void> | null = null;
  private exitWaiters: (() => void)[] = [];
  private readonly readyWaiters = new ReadyWaiters({
    name: () => this.name(),
    readiness: () => this.readiness(),
    lastExit: () => this.lastExit,
    lastProbe: () => this.monitor?.lastResult?.detail ?? this.lastProbe,
  });
  private status: ReplicaStatus = "stopped";
  private trafficHeld = false;
  private health: HealthState | "none" = "none";
  private readySince: number | null = null;
  private restarts = 0;
  private startedAt: number | null = null;
  private startTicks: number | null = null;
  private lastExit: string | null = null;
  private lastProbe: string | null = null;

  constructor(private readonly options: ReplicaOptions) {}

  /**
   * Takes over a process an earlier daemon started, or returns null when it is gone (or its pid now
   * belongs to another process). Its exit status will be unknown: the restart policy counts it a failure.
   */
  static adopt(options: ReplicaOptions, record: AdoptionRecord): Replica | null {
    if (readProcessStat(record.pid)?.startTicks !== record.startTicks) return null;
    const replica = new Replica(options);
    replica.takeOver(record);
    return replica;
  }

  get port(): number | null {
    return this.options.port;
  }

  get logPath(): string {
    return this.options.log.path;
  }

  snapshot(): ReplicaSnapshot {
    return {
      service: this.options.service.name,
      replica: this.options.index,
      pid: this.processGroup,
      startTicks: this.startTicks,
      status: this.status,
      health: this.health,
      restarts: this.restarts,
      startedAt: this.startedAt,
      port: this.options.port,
      lastExit: this.lastExit,
      outputPipes: this.outputPipes,
      ...(this.trafficHeld ? { draining: true } : {}),
    };
  }

  /** Takes the replica out of (or back into) the proxy's table, whatever its state: `berth restart` drains it first. */
  holdTraffic(held: boolean): void {
    this.trafficHeld = held;
    this.options.onChange();
  }

  /** Ready means healthy when the service has a health check, else up for START_UPTIME_MS. */
  isReady(): boolean {
    return this.readySince !== null;
  }

  /** Starts a process unless one exists; a start by the user forgives earlier failures. */
  start(): void {
    if (this.detached || this.processGroup !== null || this.failingSpawn !== null || this.stopping) return;
    this.stopRequested = false;
    this.cancelPendingRestart();
    markStable(this.tracker);
    this.spawnProcess();
  }

  /**
   * Resolves once ready; rejects with a ReplicaNotReadyError as soon as readiness cannot come by
   * waiting (crash loop, exited, stopped), when `signal` aborts, or after `timeoutMs`.
   */
  waitUntilReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.readyWaiters.wait(timeoutMs, signal);
  }

  /** Graceful stop of the whole process group: SIGTERM, stop_grace, then SIGKILL. Never hangs. */
  stop(): Promise<void> {
    // A detached replica no longer owns its process: stopping it is the adopter's job.
    if (this.detached) return Promise.resolve();
    this.stopping ??= this.stopProcess().finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  /** A user-requested restart: not counted as a failure. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  /**
   * Lets go of the process without stopping it, for a daemon handing over to a new one: no more
   * restarts, health checks or output reading; what the process writes waits in its FIFOs.
   */
  detach(): void {
    this.detached = true;
    this.cancelPendingRestart();
    this.clearReadinessTimers();
    this.stopMonitor();
    this.letGoOfProcess();
    this.readyWaiters.settle();
  }

  /** Stops watching the process and reading its output, without touching the process itself. */
  private letGoOfProcess(): void {
    this.child?.removeAllListeners("exit");
    this.child?.unref();
    this.child = null;
    this.failingSpawn = null;
    this.stopAdoptedWatch();
    this.readers?.close();
    this.readers = null;
  }

  private name(): string {
    return `${this.options.service.name}.${this.options.index}`;
  }

  private transition(event: ReplicaEvent): void {
    this.status = nextStatus(this.status, event, {
      crashLooping: isCrashLooping(this.tracker),
      hasHealthCheck: this.options.service.health !== null,
      hasProcess: this.processGroup !== null,
    });
    this.options.onChange();
    this.readyWaiters.settle();
  }

  private spawnProcess(): void {
    const { service, env, log, logger, runDir } = this.options;
    this.transition("spawn");
    this.startedAt = Date.now();
    this.startTicks = null;
    this.health = service.health ? "starting" : "none";
    let spawned: SpawnedReplica;
    try {
      spawned = spawnReplicaProcess(service, env, this.name(), runDir, log);
    } catch (error) {
      this.failSpawn(error);
      return;
    }
    const { child } = spawned;
    this.outputPipes = spawned.outputPipes;
    this.readers = spawned.readers;
    if (child.pid === undefined) {
      // spawn() reports ENOENT/EACCES (a missing cwd, for one) through an 'error' event to come.
      this.failingSpawn = child;
      child.once("error", (error) => {
        if (this.failingSpawn !== child) return;
        this.failingSpawn = null;
        this.failSpawn(error);
      });
      return;
    }
    child.on("error", (error) => logger.warn("replica process error", { replica: this.name(), error: errorMessage(error) }));
    child.once("exit", (code, signal) => void this.handleProcessGone(signal ? `killed by ${signal}` : `exit code ${code}`, code));
    this.child = child;
    this.processGroup = child.pid;
    this.startTicks = readProcessStat(child.pid)?.startTicks ?? null;
    log.writeLine("err", `[berth] started pid ${child.pid}${this.options.port !== null ? ` port ${this.options.port}` : ""}`);
    logger.info("replica started", { replica: this.name(), pid: child.pid, port: this.options.port ?? undefined });
    this.watchReadiness(this.startedAt);
  }

  /** A spawn that failed is a start that failed: logged, counted as a quick crash, retried with backoff. */
  private failSpawn(error: unknown): void {
    const message = `could not start: ${errorMessage(error)}`;
    this.options.log.writeLine("err", `[berth] ${message}`);
    this.options.logger.warn("replica could not start", { replica: this.name(), error: errorMessage(error) });
    this.lastExit = message;
    this.readers?.close();
    this.readers = null;
    if (this.outputPipes) removeOutputPipes(this.outputPipes);
    this.outputPipes = null;
    recordExit(this.tracker, 0);
    this.transition("spawn-failed");
    this.scheduleRestart();
  }

  private takeOver(record: AdoptionRecord): void {
    const { service, log, logger } = this.options;
    this.processGroup = record.pid;
    this.startTicks = record.startTicks;
    this.startedAt = record.startedAt;
    this.restarts = record.restarts;
    this.outputPipes = record.outputPipes;
    try {
      this.readers = new OutputReaders(record.outputPipes, log);
    } catch (error) {
      logger.warn("could not reopen the output of an adopted replica", { replica: this.name(), error: errorMessage(error) });
    }
    this.health = service.health ? "starting" : "none";
    this.transition("adopt");
    log.writeLine("err", `[berth] adopted pid ${record.pid}`);
    logger.info("replica adopted", { replica: this.name(), pid: record.pid });
    this.adoptedWatch = setInterval(() => this.checkAdoptedProcess(), ADOPTED_POLL_MS);
    this.adoptedWatch.unref();
    // EOF on its output usually means it is gone: check at once rather than at the next poll.
    void this.readers?.ended.then(() => this.checkAdoptedProcess());
    this.watchReadiness(record.startedAt);
  }

  private checkAdoptedProcess(): void {
    if (this.adoptedWatch === null || this.processGroup === null) return;
    if (readProcessStat(this.processGroup)?.startTicks === this.startTicks) return;
    this.stopAdoptedWatch();
    void this.handleProcessGone(UNKNOWN_EXIT, null);
  }

  private stopAdoptedWatch(): void {
    if (this.adoptedWatch) clearInterval(this.adoptedWatch);
    this.adoptedWatch = null;
  }

  /** Health-checked: ready when healthy. Without a check: ready once it has stayed up START_UPTIME_MS. */
  private watchReadiness(startedAt: number): void {
    const { service, port, env } = this.options;
    if (!service.health) {
      const remainingMs = Math.max(0, startedAt + START_UPTIME_MS - Date.now());
      if (this.status === "running") this.markReady();
      else this.startTimer = setTimeout(() => this.markReady(), remainingMs);
      return;
    }
    this.monitor = new HealthMonitor(
      service.health,
      { port, cwd: service.cwd, env: service.probeEnv ? { ...env, ...service.probeEnv } : env },
      {
        onChange: (state, result) => {
          this.health = state;
          this.lastProbe = result.detail;
          this.options.log.writeLine("err", `[berth] health ${state}: ${result.detail}`);
          if (state === "healthy" && this.readySince === null) this.markReady();
          else if (state === "unhealthy") void this.heal(result.detail);
          else this.options.onChange();
        },
      },
      startedAt,
    );
    this.monitor.start();
  }

  private markReady(): void {
    this.startTimer = null;
    this.readySince = Date.now();
    this.transition("ready");
    this.stableTimer = setTimeout(() => {
      this.stableTimer = null;
      markStable(this.tracker);
      this.transition("stable");
    }, STABLE_UPTIME_MS);
    this.stableTimer.unref();
  }

  private clearReadinessTimers(): void {
    if (this.startTimer) clearTimeout(this.startTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.startTimer = null;
    this.stableTimer = null;
  }

  private stopMonitor(): void {
    if (this.monitor) this.lastProbe = this.monitor.lastResult?.detail ?? this.lastProbe;
    this.monitor?.stop();
    this.monitor = null;
  }

  /** Autoheal: an unhealthy replica is restarted, counted as a failure whatever its past uptime. */
  private async heal(reason: string): Promise<void> {
    if (this.stopRequested || this.processGroup === null) return;
    this.options.logger.warn("replica unhealthy, restarting", { replica: this.name(), reason });
    this.options.report?.("health-restart", `unhealthy (${reason}), restarting`);
    this.healing = true;
    this.readySince = null;
    this.clearReadinessTimers();
    this.stopMonitor();
    this.options.onChange();
    await this.terminateGroup();
    this.checkAdoptedProcess();
  }

  private async handleProcessGone(description: string, exitCode: number | null): Promise<void> {
    if (this.detached) return;
    const now = Date.now();
    const readyForMs = this.readySince === null || this.healing ? 0 : now - this.readySince;
    const uptimeMs = this.startedAt ? now - this.startedAt : 0;
    this.child = null;
    this.readySince = null;
    this.clearReadinessTimers();
    this.stopMonitor();
    this.stopAdoptedWatch();
    this.lastExit = description;
    // The leader is gone; whatever it forked must not linger (and hold its port) into the next start.
    if (this.processGroup !== null) await killProcessGroup(this.processGroup);
    await this.closeOutput();
    this.processGroup = null;
    this.options.log.writeLine("err", `[berth] ${description} after ${uptimeMs} ms`);
    this.options.logger.info("replica exited", { replica: this.name(), exit: description, uptimeMs });
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((resolve) => resolve());
    if (this.stopRequested || this.detached) return;

    const healing = this.healing;
    this.healing = false;
    this.health = this.options.service.health ? "starting" : "none";
    if (!healing && !shouldRestart(this.options.service.restart, exitCode)) {
      if (this.options.service.health) this.health = "unhealthy";
      this.transition("exited");
      return;
    }
    recordExit(this.tracker, readyForMs);
    const wasCrashLooping = this.status === "crash-loop";
    this.transition("crashed");
    if (!healing) this.options.report?.("crash", `${description} after ${uptimeMs} ms`);
    if (this.status === "crash-loop" && !wasCrashLooping) this.options.report?.("crash-loop", `keeps exiting: ${description}`);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delayMs = restartDelayMs(this.tracker);
    this.restarts += 1;
    if (delayMs > 0) this.options.log.writeLine("err", `[berth] restarting in ${delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopRequested && !this.detached) this.spawnProcess();
    }, delayMs);
  }

  private async stopProcess(): Promise<void> {
    this.stopRequested = true;
    this.cancelPendingRestart();
    this.failingSpawn = null;
    this.readySince = null;
    this.clearReadinessTimers();
    this.stopMonitor();
    this.transition("stop");
    if (this.processGroup === null) return;
    const handled = this.waitForExitHandled();
    if (this.child || this.adoptedWatch) await this.terminateGroup();
    this.checkAdoptedProcess();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      handled.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), EXIT_HANDLED_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      // Never seen to exit (an unreaped leader?): forget it rather than hang every caller.
      this.options.logger.warn("replica exit never seen after SIGKILL", { replica: this.name(), pid: this.processGroup ?? undefined });
      this.letGoOfProcess();
      if (this.outputPipes) removeOutputPipes(this.outputPipes);
      this.outputPipes = null;
      this.processGroup = null;
    }
    this.transition("stopped");
  }

  private waitForExitHandled(): Promise<void> {
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private async closeOutput(): Promise<void> {
    const readers = this.readers;
    const paths = this.outputPipes;
    this.readers = null;
    this.outputPipes = null;
    if (readers) {
      await readers.waitForEnd(OUTPUT_DRAIN_MS);
      readers.close();
    }
    if (paths) removeOutputPipes(paths);
  }

  private async terminateGroup(): Promise<void> {
    if (this.processGroup === null) return;
    const { stopSignal, stopGraceMs } = this.options.service;
    await terminateProcessGroup(this.processGroup, stopSignal ?? "SIGTERM", stopGraceMs, this.options.log);
  }

  private cancelPendingRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  /** What a readiness wait can conclude now, or null to keep waiting. */
  private readiness(): Readiness {
    if (this.detached) return "stopped";
    if (this.isReady()) return "ready";
    if (this.status === "crash-loop") return "crash-loop";
    if (this.status === "exited") return "exited";
    if (this.status === "stopped" || this.status === "stopping") return "stopped";
    return null;
  }
}

/** The ports of those replicas that listen on one (what the proxy routes to and drains). */
export function portsOf(replicas: readonly Replica[]): number[] {
  return replicas.flatMap((replica) => (replica.port === null ? [] : [replica.port]));
}
