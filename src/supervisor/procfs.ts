import { readdirSync, readFileSync, readlinkSync } from "node:fs";

// Linux /proc readers. Process groups are how berth finds every process a replica forked
// (gunicorn workers, celery children) so that none outlives `down`.

export interface ProcessStat {
  pid: number;
  parentPid: number;
  processGroup: number;
  /** Clock ticks since boot when the process started: with the pid, identifies a process uniquely. */
  startTicks: number;
  cpuTicks: number;
  residentBytes: number;
}

const PAGE_SIZE = 4096;
export const CLOCK_TICKS_PER_SECOND = 100;

export function readProcessStat(pid: number): ProcessStat | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  const field = (index: number) => Number(fields[index]);
  if (fields[0] === "Z" || fields[0] === "X") return null;
  return {
    pid,
    parentPid: field(1),
    processGroup: field(2),
    cpuTicks: field(11) + field(12),
    startTicks: field(19),
    residentBytes: field(21) * PAGE_SIZE,
  };
}

/** The directory a process runs in, or null when it is gone. */
export function readWorkingDirectory(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

export function listProcesses(): ProcessStat[] {
  const result: ProcessStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (stat) result.push(stat);
  }
  return result;
}

/** Whether a running process names `text` on its command line (a server's data directory or config). */
export function anyCommandLineMentions(text: string): boolean {
  return processesMentioning(text).length > 0;
}

/** The pids of live processes whose command line contains `text`. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export function listProcessGroup(processGroup: number): ProcessStat[] {
  return listProcesses().filter((stat) => stat.processGroup === processGroup);
}

export function signalProcessGroup(processGroup: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-processGroup, signal);
    return true;
  } catch {
    return false;
  }
}
