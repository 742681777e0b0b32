import { statSync } from "node:fs";
import { systemUsers } from "../backing/run-as.js";
import { CLOCK_TICKS_PER_SECOND, listProcesses } from "../supervisor/procfs.js";
import type { ReplicaSnapshot } from "../supervisor/replica.js";

/** One line of `berth ps`. */
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
  /** The Unix user the process runs as (the stack's own user when berth is root), or null when not running. */
  user: string | null;
}

export function processRows(snapshots: ReplicaSnapshot[], now = Date.now()): ProcessRow[] {
  const usage = groupUsage();
  const names = userNames();
  return snapshots.map((snapshot) => {
    const group = snapshot.pid !== null ? usage.get(snapshot.pid) : undefined;
    const alive = snapshot.status === "running" || snapshot.status === "starting" || (snapshot.status === "crash-loop" && snapshot.pid !== null);
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
      user: alive && snapshot.pid !== null ? processUser(snapshot.pid, names) : null,
    };
  });
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

/** /proc/<pid> belongs to the process's effective user. */
function processUser(pid: number, names: Map<number, string>): string | null {
  try {
    const uid = statSync(`/proc/${pid}`).uid;
    return names.get(uid) ?? String(uid);
  } catch {
    return null;
  }
}

function userNames(): Map<number, string> {
  return new Map(systemUsers().map((user) => [user.uid, user.name]));
}
