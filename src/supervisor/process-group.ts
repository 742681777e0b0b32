import type { RotatingLogFile } from "../logs/index.js";
import { listProcessGroup, signalProcessGroup } from "./procfs.js";

// Stopping a replica means stopping its whole process group: gunicorn workers and celery children
// must not outlive it (and hold its port into the next start).

const GROUP_POLL_MS = 25;
const KILL_CONFIRM_MS = 2_000;

/** Asks the group to stop with `signal`; after `graceMs`, SIGKILL (noted in `log` when given). Resolves once the group is empty. */
export async function terminateProcessGroup(group: number, signal: NodeJS.Signals, graceMs: number, log?: RotatingLogFile): Promise<void> {
  signalProcessGroup(group, signal);
  const emptied = await waitForGroupToEmpty(group, graceMs);
  if (!emptied) {
    log?.writeLine("err", `[berth] still running after ${graceMs} ms, sending SIGKILL`);
    await killProcessGroup(group);
  }
}

export async function killProcessGroup(group: number): Promise<void> {
  // Signal 0 answers "no such group" without scanning /proc: the common case after a plain exit.
  if (!signalProcessGroup(group, 0)) return;
  signalProcessGroup(group, "SIGKILL");
  await waitForGroupToEmpty(group, KILL_CONFIRM_MS);
}

export async function waitForGroupToEmpty(group: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (listProcessGroup(group).length > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
  }
  return true;
}
