import { listProcessGroup, readProcessStat } from "../supervisor/procfs.js";
import { removeOutputPipes } from "../supervisor/output-pipe.js";
import { terminateProcessGroup } from "../supervisor/process-group.js";
import type { AdoptionRecordFor } from "../supervisor/stack-supervisor.js";
import type { Logger } from "../util/logger.js";
import type { RecordedReplica } from "./state-store.js";

const LEFTOVER_GRACE_MS = 5_000;

/** The previous daemon's replicas by service and index, each handed out once; the rest are `unclaimed`. */
export function adoptionLookup(recorded: RecordedReplica[]): AdoptionRecordFor & { unclaimed(): RecordedReplica[] } {
  const available = new Map<string, RecordedReplica>();
  for (const replica of recorded) {
    if (!replica.pending && replica.outputPipes) available.set(`${replica.service}/${replica.replica}`, replica);
  }
  const lookup = (service: string, index: number) => {
    const key = `${service}/${index}`;
    const replica = available.get(key);
    if (!replica || !replica.outputPipes) return null;
    available.delete(key);
    return { ...replica, outputPipes: replica.outputPipes };
  };
  return Object.assign(lookup, { unclaimed: () => [...available.values(), ...recorded.filter((replica) => replica.pending || !replica.outputPipes)] });
}

/**
 * Whether the group `recorded.pid` is still the one the previous daemon started: its leader is the
 * same process (same start time), or the leader is gone and what is left of the group started after
 * it. A pid recycled by an unrelated process (a different start time) is never taken for it.
 */
export function isRecordedGroup(recorded: { pid: number; startTicks: number }): boolean {
  const leader = readProcessStat(recorded.pid);
  if (leader) return leader.startTicks === recorded.startTicks && leader.processGroup === recorded.pid;
  const members = listProcessGroup(recorded.pid);
  return members.length > 0 && members.every((member) => member.startTicks >= recorded.startTicks);
}

/**
 * Ends process groups a previous daemon recorded and nobody adopts (a deploy's unswitched replicas, a
 * stack that is down): SIGTERM, then SIGKILL after a grace. Only groups isRecordedGroup() vouches
 * for, so a recycled pid never gets an unrelated process killed.
 */
export async function endRecordedProcesses(replicas: RecordedReplica[], logger: Logger): Promise<void> {
  const leftovers = replicas.filter((recorded) => isRecordedGroup(recorded));
  for (const recorded of leftovers) logger.warn("ending a process left by the previous daemon", { service: recorded.service, pid: recorded.pid });
  await Promise.all(leftovers.map((recorded) => terminateProcessGroup(recorded.pid, "SIGTERM", LEFTOVER_GRACE_MS)));
  for (const recorded of replicas) if (recorded.outputPipes) removeOutputPipes(recorded.outputPipes);
}
