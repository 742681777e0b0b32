// What the benchmark ran on, printed with the results.
import { execFileSync, spawnSync } from "node:child_process";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { gitCommit } from "../supervisor/system.js";

export interface MachineInfo {
  /** CPUs this process may run on, as `nproc` counts them. */
  nproc: number;
  cpuModel: string;
  memoryBytes: number;
  kernel: string;
  versions: { node: string; nginx: string; caddy: string; wrk: string; berth: string };
  berthCommit: string | null;
}

export function describeMachine(berthVersion: string, root: string): MachineInfo {
  return {
    nproc: nproc(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
    kernel: `${process.platform} ${release()}`,
    versions: {
      node: process.version,
      nginx: toolVersion("nginx", ["-v"], /nginx\/(\S+)/),
      caddy: toolVersion("caddy", ["version"], /^(v?\d\S*)/),
      wrk: toolVersion("wrk", ["-v"], /^wrk (\S+)/),
      berth: berthVersion,
    },
    berthCommit: gitCommit(root),
  };
}

/** A missing tool, reported before anything starts. */
export function missingTools(): string[] {
  return ["wrk", "nginx", "caddy"].filter((tool) => spawnSync(tool, ["-v"], { stdio: "ignore" }).error !== undefined);
}

export function loadAverage(): number {
  return loadavg()[0] ?? 0;
}

export function nproc(): number {
  try {
    const count = Number(execFileSync("nproc", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    if (Number.isInteger(count) && count > 0) return count;
  } catch {
    // no coreutils: fall back to what libuv sees (the same affinity mask)
  }
  return availableParallelism();
}

/** wrk -v and nginx -v exit non-zero or print to stderr: take whatever they printed. */
function toolVersion(tool: string, args: string[], pattern: RegExp): string {
  const result = spawnSync(tool, args, { encoding: "utf8", timeout: 10_000 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  return pattern.exec(output)?.[1] ?? (output.split("\n")[0] || "unknown");
}
