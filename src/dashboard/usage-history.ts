// CPU and memory of each replica over the last hour, for the sparklines. Fed by the sampler in the
// daemon; bounded: SAMPLES_KEPT points per replica, and replicas unseen for an hour are forgotten.

export const SAMPLE_INTERVAL_MS = 15_000;
export const HISTORY_MS = 60 * 60_000;
const SAMPLES_KEPT = HISTORY_MS / SAMPLE_INTERVAL_MS;

export interface UsageSample {
  at: number;
  /** CPU used between this sample and the previous one of the same process, in percent of one core; null for a first sample. */
  cpuPercent: number | null;
  memoryBytes: number;
}

/** What one replica's process group used, cumulatively, when sampled. */
export interface GroupReading {
  pid: number;
  cpuTicks: number;
  memoryBytes: number;
}

interface ReplicaHistory {
  samples: UsageSample[];
  last: { pid: number; cpuTicks: number; at: number } | null;
  seenAt: number;
}

export class UsageHistory {
  private readonly replicas = new Map<string, ReplicaHistory>();
  readonly startedAt: number;

  constructor(
    private readonly ticksPerSecond: number,
    now = Date.now(),
  ) {
    this.startedAt = now;
  }

  /** `key` is `<stack>/<service>.<replica>`; a replica without a reading (not running) adds no point. */
  record(key: string, reading: GroupReading, now = Date.now()): void {
    let history = this.replicas.get(key);
    if (!history) this.replicas.set(key, (history = { samples: [], last: null, seenAt: now }));
    const previous = history.last;
    // A new pid is a restarted process: its counters started again from zero.
    const cpuPercent =
      previous && previous.pid === reading.pid && now > previous.at && reading.cpuTicks >= previous.cpuTicks
        ? ((reading.cpuTicks - previous.cpuTicks) / this.ticksPerSecond / ((now - previous.at) / 1000)) * 100
        : null;
    history.samples.push({ at: now, cpuPercent, memoryBytes: reading.memoryBytes });
    if (history.samples.length > SAMPLES_KEPT) history.samples.splice(0, history.samples.length - SAMPLES_KEPT);
    history.last = { pid: reading.pid, cpuTicks: reading.cpuTicks, at: now };
    history.seenAt = now;
  }

  samples(key: string, now = Date.now()): UsageSample[] {
    return (this.replicas.get(key)?.samples ?? []).filter((sample) => now - sample.at <= HISTORY_MS);
  }

  forgetUnseen(now = Date.now()): void {
    for (const [key, history] of this.replicas) if (now - history.seenAt > HISTORY_MS) this.replicas.delete(key);
  }

  get size(): number {
    return this.replicas.size;
  }
}
