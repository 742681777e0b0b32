import { readFileSync } from "node:fs";

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or null when
 * it does not exist. A pid plus its start time names one process for good: a recycled pid differs.
 */
export function readProcessStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
