import type { StackManager } from "../daemon/stack-manager.js";
import { CLOCK_TICKS_PER_SECOND, listProcesses } from "../supervisor/procfs.js";
import { SAMPLE_INTERVAL_MS, UsageHistory, type GroupReading } from "./usage-history.js";

/** Samples every replica's process group from /proc while the dashboard runs (started with it). */
export function startUsageSampler(manager: StackManager): UsageHistory {
  const history = new UsageHistory(CLOCK_TICKS_PER_SECOND);
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    try {
      const groups = readGroups();
      const now = Date.now();
      for (const stack of manager.list()) {
        const rows = await manager.processes(stack.name).catch(() => []);
        for (const row of rows) {
          const group = row.pid === null ? undefined : groups.get(row.pid);
          if (group) history.record(`${stack.name}/${row.service}.${row.replica}`, group, now);
        }
      }
      history.forgetUnseen(now);
    } finally {
      busy = false;
    }
  };
  // A failed sample is a gap in the sparkline, never an error in the daemon.
  const sampleQuietly = () => void sample().catch(() => {});
  sampleQuietly();
  setInterval(sampleQuietly, SAMPLE_INTERVAL_MS).unref();
  return history;
}

/** Cumulative CPU ticks and resident memory per process group, keyed by the group leader's pid. */
function readGroups(): Map<number, GroupReading> {
  const groups = new Map<number, GroupReading>();
  for (const stat of listProcesses()) {
    const entry = groups.get(stat.processGroup) ?? { pid: stat.processGroup, cpuTicks: 0, memoryBytes: 0 };
    entry.cpuTicks += stat.cpuTicks;
    entry.memoryBytes += stat.residentBytes;
    groups.set(stat.processGroup, entry);
  }
  return groups;
}
