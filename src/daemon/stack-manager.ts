import { rmSync } from "node:fs";
import type { Stack } from "../config/types.js";
import type { BackupFile } from "../backing/index.js";
import { UserError } from "../errors.js";
import { PortAllocator } from "../supervisor/ports.js";
import { listProcesses, listProcessGroup, signalProcessGroup, CLOCK_TICKS_PER_SECOND } from "../supervisor/procfs.js";
import { waitForGroupToEmpty } from "../supervisor/replica.js";
import { readyTimeoutMs, StackSupervisor, type ProgressReporter } from "../supervisor/stack-supervisor.js";
import { rollOut } from "../supervisor/rollout.js";
import type { Logger } from "../util/logger.js";
import { stackPaths } from "../util/paths.js";
import { FrontDoor } from "./front-door.js";
import { readState, StateStore, type DaemonState, type RecordedReplica, type StackRecord } from "./state-store.js";

export interface ProcessRow {
  service: string;
  replica: number;
  pid: number | null;
  status: string;
  health: string;
  restarts: number;
  uptimeSeconds: number | null;
  port: number | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
  lastExit: string | null;
}

export interface DeployOptions {
  runReleaseTasks: boolean;
  noRestart: string[];
  readyTimeoutMs?: number;
}

export interface StackSummary {
  name: string;
  file: string;
  up: boolean;
  services: number;
  replicas: number;
  ready: number;
}

const LEFTOVER_GRACE_MS = 5_000;

/** Owns every stack this daemon runs; the control socket's verbs are its methods. */
export class StackManager {
  private readonly running = new Map<string, StackSupervisor>();
  private readonly records = new Map<string, StackRecord>();
  private readonly ports = new PortAllocator();
  private readonly deploying = new Set<string>();
  private readonly store: StateStore;
  readonly frontDoor: FrontDoor;

  constructor(
    private readonly home: string,
    statePath: string,
    private readonly logger: Logger,
    private readonly baseEnv: Record<string, string>,
  ) {
    this.store = new StateStore(statePath, () => this.collectState());
    this.frontDoor = new FrontDoor(home, logger, () =>
      [...this.running.values()].map((supervisor) => ({ stack: supervisor.stack, replicas: supervisor.snapshot() })),
    );
    for (const [name, record] of Object.entries(readState(statePath).stacks)) this.records.set(name, record);
  }

  /** After a crash or reboot: end whatever the previous daemon left running, then bring back the stacks that were up. */
  async restore(): Promise<void> {
    for (const record of this.records.values()) await killLeftovers(record.replicas, this.logger);
    for (const record of this.records.values()) {
      record.replicas = [];
      if (!record.up) continue;
      this.logger.info("restoring stack", { stack: record.stack.name });
      await this.up(record.stack, () => {}).catch((error: Error) =>
        this.logger.error("could not restore stack", { stack: record.stack.name, error: error.message }),
      );
    }
    this.store.writeNow();
  }

  async up(stack: Stack, progress: ProgressReporter): Promise<{ changed: boolean }> {
    const current = this.running.get(stack.name);
    if (current && JSON.stringify(current.stack) === JSON.stringify(stack)) return { changed: false };
    if (current) {
      progress(`stopping the running ${stack.name} to apply the new configuration`);
      await this.stopSupervisor(stack.name);
    }
    const supervisor = new StackSupervisor(structuredClone(stack), {
      paths: stackPaths(stack.name, this.home),
      ports: this.ports,
      logger: this.logger,
      baseEnv: this.baseEnv,
      onChange: () => {
        this.store.schedule();
        this.frontDoor.scheduleRefresh();
      },
    });
    this.running.set(stack.name, supervisor);
    this.records.set(stack.name, { stack, up: true, replicas: [] });
    this.store.schedule();
    try {
      await this.frontDoor.prepare(stack, progress);
      await supervisor.start(progress);
    } catch (error) {
      await this.stopSupervisor(stack.name);
      this.records.delete(stack.name);
      this.store.schedule();
      throw error;
    }
    return { changed: true };
  }

  /** Replaces a running stack's release with `next` without dropping requests; a stack not up is just brought up. */
  async deploy(next: Stack, options: DeployOptions, progress: ProgressReporter): Promise<{ switched: boolean }> {
    const supervisor = this.running.get(next.name);
    if (!supervisor) {
      await this.up(next, progress);
      return { switched: false };
    }
    if (this.deploying.has(next.name)) {
      throw new UserError(`a deploy of ${next.name} is already in progress`, { hint: "wait for it to finish, then retry" });
    }
    this.deploying.add(next.name);
    try {
      await this.frontDoor.prepare(next, progress);
      const timeouts = next.services.map((service) => readyTimeoutMs(service));
      await rollOut(
        supervisor,
        next,
        {
          runReleaseTasks: options.runReleaseTasks,
          noRestart: options.noRestart,
          readyTimeoutMs: options.readyTimeoutMs ?? Math.max(...timeouts),
          switchTraffic: () => this.frontDoor.refresh(),
        },
        progress,
      );
      this.records.set(next.name, { stack: next, up: true, replicas: [] });
      this.store.writeNow();
      return { switched: true };
    } finally {
      this.deploying.delete(next.name);
    }
  }

  async down(name: string, deleteData: boolean): Promise<{ deletedData: boolean }> {
    const known = this.running.has(name) || this.records.has(name);
    if (!known && !deleteData) throw notUp(name);
    await this.stopSupervisor(name);
    this.records.delete(name);
    this.store.writeNow();
    if (deleteData) {
      const paths = stackPaths(name, this.home);
      rmSync(paths.data, { recursive: true, force: true });
      rmSync(paths.secrets, { force: true });
    }
    return { deletedData: deleteData };
  }

  async restart(name: string, service?: string): Promise<void> {
    await this.supervisor(name).restart(service);
  }

  async scale(name: string, service: string, count: number): Promise<void> {
    const supervisor = this.supervisor(name);
    await supervisor.scale(service, count);
    const record = this.records.get(name);
    if (record) record.stack = supervisor.stack;
    this.store.schedule();
  }

  backup(name: string, progress: ProgressReporter): Promise<BackupFile[]> {
    return this.supervisor(name).backup(progress);
  }

  restoreBackup(name: string, backup: string, progress: ProgressReporter): Promise<{ name: string }> {
    return this.supervisor(name).restoreBackup(backup, progress);
  }

  processes(name: string): ProcessRow[] {
    const snapshots = this.supervisor(name).snapshot();
    const usage = groupUsage();
    const now = Date.now();
    return snapshots.map((snapshot) => {
      const group = snapshot.pid !== null ? usage.get(snapshot.pid) : undefined;
      const alive = snapshot.status === "running" || snapshot.status === "starting";
      const uptimeSeconds = alive && snapshot.startedAt ? (now - snapshot.startedAt) / 1000 : null;
      return {
        service: snapshot.service,
        replica: snapshot.replica,
        pid: alive ? snapshot.pid : null,
        status: snapshot.status,
        health: snapshot.health,
        restarts: snapshot.restarts,
        uptimeSeconds,
        port: snapshot.port,
        // Average over the replica's life, as ps(1) reports it.
        cpuPercent: group && uptimeSeconds ? (group.cpuTicks / CLOCK_TICKS_PER_SECOND / uptimeSeconds) * 100 : null,
        memoryBytes: group ? group.residentBytes : null,
        lastExit: snapshot.lastExit,
      };
    });
  }

  list(): StackSummary[] {
    return [...this.records.values()].map((record) => {
      const supervisor = this.running.get(record.stack.name);
      const rows = supervisor ? supervisor.snapshot() : [];
      return {
        name: record.stack.name,
        file: record.stack.file,
        up: record.up,
        services: record.stack.services.length,
        replicas: rows.length,
        ready: rows.filter((row) => row.status === "running" && (row.health === "none" || row.health === "healthy")).length,
      };
    });
  }

  /** Stops every stack's processes but remembers which were up, so the next daemon restores them. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stopSupervisor(name)));
    await this.frontDoor.stop();
    this.store.writeNow();
  }

  private supervisor(name: string): StackSupervisor {
    const supervisor = this.running.get(name);
    if (!supervisor) throw notUp(name);
    return supervisor;
  }

  private async stopSupervisor(name: string): Promise<void> {
    const supervisor = this.running.get(name);
    if (!supervisor) return;
    await supervisor.stop();
    this.running.delete(name);
    this.frontDoor.forget(name);
  }

  private collectState(): DaemonState {
    const stacks: Record<string, StackRecord> = {};
    for (const [name, record] of this.records) {
      const supervisor = this.running.get(name);
      const replicas: RecordedReplica[] = (supervisor?.processSnapshots() ?? [])
        .filter((snapshot) => snapshot.pid !== null && snapshot.startTicks !== null)
        .map((snapshot) => ({ service: snapshot.service, replica: snapshot.replica, pid: snapshot.pid!, startTicks: snapshot.startTicks! }));
      stacks[name] = { ...record, stack: supervisor?.stack ?? record.stack, replicas };
    }
    return { version: 1, stacks };
  }
}

function notUp(name: string): UserError {
  return new UserError(`stack "${name}" is not up`, { hint: "start it with `berth up -d`; `berth ls` lists the stacks this daemon runs" });
}

interface GroupUsage {
  cpuTicks: number;
  residentBytes: number;
}

function groupUsage(): Map<number, GroupUsage> {
  const usage = new Map<number, GroupUsage>();
  for (const stat of listProcesses()) {
    const entry = usage.get(stat.processGroup) ?? { cpuTicks: 0, residentBytes: 0 };
    entry.cpuTicks += stat.cpuTicks;
    entry.residentBytes += stat.residentBytes;
    usage.set(stat.processGroup, entry);
  }
  return usage;
}

/**
 * Process groups recorded by a daemon that died. A group is ended only if its members started no
 * earlier than the recorded leader, so a recycled pid never gets an unrelated process killed.
 */
async function killLeftovers(replicas: RecordedReplica[], logger: Logger): Promise<void> {
  const leftovers = replicas.filter((recorded) => {
    const members = listProcessGroup(recorded.pid);
    return members.length > 0 && members.every((member) => member.startTicks >= recorded.startTicks);
  });
  for (const recorded of leftovers) {
    logger.warn("ending a replica left by the previous daemon", { service: recorded.service, pid: recorded.pid });
    signalProcessGroup(recorded.pid, "SIGTERM");
  }
  await Promise.all(
    leftovers.map(async (recorded) => {
      if (!(await waitForGroupToEmpty(recorded.pid, LEFTOVER_GRACE_MS))) signalProcessGroup(recorded.pid, "SIGKILL");
    }),
  );
}
