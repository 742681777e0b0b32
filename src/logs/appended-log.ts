import { appendFileSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { shiftGenerations } from "./rotate.js";

// The daemon's and the proxy's own logs (daemon.log, proxy.log): one line at a time from one
// process, appended by name so a rotation needs no descriptor handover.

export interface HostLogPolicy {
  maxSizeBytes: number;
  keep: number;
}

/** 10 MB × (1 + 5): berth's own logs never take more than 60 MB. */
export const HOST_LOG_POLICY: HostLogPolicy = { maxSizeBytes: 10 * 1024 * 1024, keep: 5 };

/** Appends `line` (newline included), rotating first when it would take the file past its size. Throws like appendFileSync. */
export function appendLineRotating(path: string, line: string, policy: HostLogPolicy = HOST_LOG_POLICY): void {
  const bytes = Buffer.byteLength(line);
  const size = sizeOf(path);
  if (size > 0 && size + bytes > policy.maxSizeBytes) shiftGenerations(path, policy.keep);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendFileSync(path, line, { mode: 0o600 });
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
