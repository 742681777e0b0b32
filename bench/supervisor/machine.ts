// What the benchmark ran on, printed with the results.
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { gitCommit } from "./system.js";

export interface MachineInfo {
  /** CPUs this process may run on, as `nproc` counts them. */
  nproc: number;
  cpuModel: string;
  memoryBytes: number;
  kernel: string;
  node: string;
  pm2: string;
  berth: string;
  berthCommit: string | null;
}

export function describeMachine(versions: { pm2: string; berth: string }, root: string): MachineInfo {
  return {
    nproc: nproc(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
    kernel: `${process.platform} ${release()}`,
    node: process.version,
    pm2: versions.pm2,
    berth: versions.berth,
    berthCommit: gitCommit(root),
  };
}

export function loadAverage(): number {
  return loadavg()[0] ?? 0;
}

function nproc(): number {
  try {
    const count = Number(execFileSync("nproc", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    if (Number.isInteger(count) && count > 0) return count;
  } catch {
    // no coreutils: fall back to what libuv sees (the same affinity mask)
  }
  return availableParallelism();
}
