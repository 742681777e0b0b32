import { spawn, type ChildProcess } from "node:child_process";
import type { Service } from "../config/types.js";
import { HealthMonitor, type HealthState } from "../health/health-monitor.js";
import type { RotatingLogFile } from "../logs/index.js";
import type { Logger } from "../util/logger.js";
import { listProcessGroup, readProcessStat, signalProcessGroup } from "./procfs.js";
import { isCrashLooping, recordExit, restartDelayMs, shouldRestart, type RestartTracker } from "./restart-policy.js";
import { shellCommand } from "./shell.js";

export type ReplicaStatus = "starting" | "running" | "backoff" | "crash-loop" | "stopping" | "stopped" | "exited";

export interface ReplicaSnapshot {
  service: string;
  replica: number;
  pid: number | null;
  /** Start time of the leader in clock ticks since boot: with pid, lets a restarted daemon find leftovers. */
  startTicks: number | null;
  status: ReplicaStatus;
  health: HealthState | "none";
  restarts: number;
  startedAt: number | null;
  port: number | null;
  lastExit: string | null;
}

export interface ReplicaOptions {
  service: Service;
  index: number;
  port: number | null;
  env: Record<string, string>;
  log: RotatingLogFile;
  logger: Logger;
  onChange: () => void;
}

const GROUP_POLL_MS = 25;
const KILL_CONFIRM_MS = 2_000;

export class Replica {
  private child: ChildProcess | null = null;
  private processGroup: number | null = null;
  private monitor: HealthMonitor | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly tracker: RestartTracker = { consecutiveQuickExits: 0 };
  private stopping = false;
  private healing = false;
  private exitWaiters: (() => void)[] = [];
  private readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private status: ReplicaStatus = "stopped";
  private health: HealthState | "none" = "none";
  private restarts = 0;
  private startedAt: number | null = null;
  private startTicks: number | null = null;
  private lastExit: string | null = null;

  constructor(private readonly options: ReplicaOptions) {}

  get port(): number | null {
    return this.options.port;
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
    };
  }

  /** Ready means healthy when the service has a health check, else running. */
  isReady(): boolean {
    if (this.options.service.health) return this.health === "healthy";
    return this.status === "running";
  }

  start(): void {
    this.stopping = false;
    this.spawnProcess();
  }

  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.readyWaiters.push(waiter);
      setTimeout(() => {
        if (!this.readyWaiters.includes(waiter)) return;
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        const why = this.monitor?.lastResult?.detail ?? this.lastExit ?? this.status;
        reject(new Error(`${this.name()} was not ready within ${Math.round(timeoutMs / 1000)} s (${why})`));
      }, timeoutMs).unref();
    });
  }

  /** Graceful stop of the whole process group: SIGTERM, stop_grace, then SIGKILL. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelPendingRestart();
    this.stopMonitor();
    this.rejectReadyWaiters(new Error(`${this.name()} was stopped`));
    if (this.child) {
      this.setStatus("stopping");
      const exited = this.waitForExit();
      await this.terminateGroup();
      await exited;
    } else if (this.processGroup !== null) {
      await this.terminateGroup();
    }
    this.setStatus("stopped");
  }

  /** A user-requested restart: not counted as a failure. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  private name(): string {
    return `${this.options.service.name}.${this.options.index}`;
  }

  private spawnProcess(): void {
    const { service, env, log, logger } = this.options;
    const child = spawn("/bin/sh", ["-c", shellCommand(service.command)], {
      cwd: service.cwd,
      env,
      // detached puts the replica in a new session and process group, so signals reach every
      // process it forks and none of them outlives a stop.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      ...(service.user ? { uid: service.user.uid, gid: service.user.gid } : {}),
    });
    this.child = child;
    this.processGroup = child.pid ?? null;
    this.startedAt = Date.now();
    this.startTicks = child.pid ? readProcessStat(child.pid)?.startTicks ?? null : null;
    log.attachStream(child.stdout!, "out");
    log.attachStream(child.stderr!, "err");
    child.once("error", (error) => {
      log.writeLine("err", `[berth] could not start: ${error.message}`);
    });
    child.once("exit", (code, signal) => void this.handleExit(code, signal));
    log.writeLine("err", `[berth] started pid ${child.pid ?? "?"}${this.options.port !== null ? ` port ${this.options.port}` : ""}`);
    logger.info("replica started", { replica: this.name(), pid: child.pid, port: this.options.port ?? undefined });
    this.health = service.health ? "starting" : "none";
    this.setStatus(service.health ? "starting" : "running");
    if (service.health) this.startMonitor();
    this.resolveReadyWaitersIfReady();
  }

  private startMonitor(): void {
    const { service, port, env } = this.options;
    this.monitor = new HealthMonitor(service.health!, { port, cwd: service.cwd, env }, {
      onChange: (state, result) => {
        this.health = state;
        this.options.log.writeLine("err", `[berth] health ${state}: ${result.detail}`);
        if (state === "healthy" && this.status === "starting") this.setStatus("running");
        else this.options.onChange();
        if (state === "unhealthy") void this.heal(result.detail);
        this.resolveReadyWaitersIfReady();
      },
    });
    this.monitor.start();
  }

  private stopMonitor(): void {
    this.monitor?.stop();
    this.monitor = null;
  }

  /** Autoheal: an unhealthy replica is restarted with the same backoff as a crash. */
  private async heal(reason: string): Promise<void> {
    if (this.stopping || !this.child) return;
    this.options.logger.warn("replica unhealthy, restarting", { replica: this.name(), reason });
    this.healing = true;
    this.stopMonitor();
    await this.terminateGroup();
  }

  private async handleExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const uptimeMs = this.startedAt ? Date.now() - this.startedAt : 0;
    this.child = null;
    this.stopMonitor();
    this.lastExit = signal ? `killed by ${signal}` : `exit code ${code}`;
    this.options.log.writeLine("err", `[berth] ${this.lastExit} after ${uptimeMs} ms`);
    this.options.logger.info("replica exited", { replica: this.name(), code, signal, uptimeMs });
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((resolve) => resolve());
    if (this.stopping) return;

    // The leader is gone; whatever it forked must not linger (and hold its port) into the next start.
    if (this.processGroup !== null) await this.killGroupNow(this.processGroup);
    if (this.stopping) return;
    const healing = this.healing;
    this.healing = false;
    if (!healing && !shouldRestart(this.options.service.restart, code)) {
      this.health = this.options.service.health ? "unhealthy" : "none";
      this.setStatus("exited");
      return;
    }
    recordExit(this.tracker, uptimeMs);
    const delayMs = restartDelayMs(this.tracker);
    this.restarts += 1;
    this.health = this.options.service.health ? "starting" : "none";
    if (delayMs === 0) {
      this.spawnProcess();
      return;
    }
    this.setStatus(isCrashLooping(this.tracker) ? "crash-loop" : "backoff");
    this.options.log.writeLine("err", `[berth] restarting in ${delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.spawnProcess();
    }, delayMs);
  }

  private waitForExit(): Promise<void> {
    if (!this.child) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private async terminateGroup(): Promise<void> {
    const group = this.processGroup;
    if (group === null) return;
    signalProcessGroup(group, this.options.service.stopSignal ?? "SIGTERM");
    const emptied = await waitForGroupToEmpty(group, this.options.service.stopGraceMs);
    if (!emptied) {
      this.options.log.writeLine("err", `[berth] still running after ${this.options.service.stopGraceMs} ms, sending SIGKILL`);
      await this.killGroupNow(group);
    }
  }

  private async killGroupNow(group: number): Promise<void> {
    // Signal 0 answers "no such group" without scanning /proc: the common case after a plain exit.
    if (!signalProcessGroup(group, 0)) return;
    signalProcessGroup(group, "SIGKILL");
    await waitForGroupToEmpty(group, KILL_CONFIRM_MS);
  }

  private cancelPendingRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private setStatus(status: ReplicaStatus): void {
    this.status = status;
    this.options.onChange();
  }

  private resolveReadyWaitersIfReady(): void {
    if (!this.isReady()) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    waiters.forEach((waiter) => waiter.resolve());
  }

  private rejectReadyWaiters(error: Error): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    waiters.forEach((waiter) => waiter.reject(error));
  }
}

export async function waitForGroupToEmpty(group: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (listProcessGroup(group).length > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
  }
  return true;
}
