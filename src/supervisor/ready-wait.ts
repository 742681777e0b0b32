// Waiting for a replica to be ready, and why such a wait gave up, with what a caller needs to explain it.

export type NotReadyReason = "timeout" | "crash-loop" | "exited" | "stopped" | "aborted";

export interface NotReadyDetails {
  reason: NotReadyReason;
  /** "web.0" */
  replica: string;
  lastExit: string | null;
  /** The last health probe's detail, e.g. "GET /health answered 400". */
  lastProbe: string | null;
  timeoutMs: number;
}

export class ReplicaNotReadyError extends Error {
  override name = "ReplicaNotReadyError";
  readonly reason: NotReadyReason;
  readonly replica: string;
  readonly lastExit: string | null;
  readonly lastProbe: string | null;

  constructor(details: NotReadyDetails) {
    super(describeNotReady(details));
    this.reason = details.reason;
    this.replica = details.replica;
    this.lastExit = details.lastExit;
    this.lastProbe = details.lastProbe;
  }
}

function describeNotReady({ reason, replica, lastExit, lastProbe, timeoutMs }: NotReadyDetails): string {
  const why = lastProbe ?? lastExit;
  switch (reason) {
    case "timeout":
      return `${replica} was not ready within ${Math.round(timeoutMs / 1000)} s${why ? ` (${why})` : ""}`;
    case "crash-loop": {
      const last = lastExit ?? lastProbe;
      return `${replica} keeps failing${last ? ` (last: ${last})` : ""}`;
    }
    case "exited":
      return `${replica} exited${lastExit ? ` (${lastExit})` : ""} and its restart policy leaves it stopped`;
    case "stopped":
      return `${replica} was stopped before it was ready`;
    case "aborted":
      return `waiting for ${replica} to be ready was cancelled`;
  }
}

/** What a readiness wait can conclude now: ready, a reason to give up, or null to keep waiting. */
export type Readiness = "ready" | Exclude<NotReadyReason, "timeout" | "aborted"> | null;

export interface ReadinessSource {
  /** "web.0" */
  name(): string;
  readiness(): Readiness;
  lastExit(): string | null;
  lastProbe(): string | null;
}

/** The pending waitUntilReady() calls of one replica, settled whenever its status or health changes. */
export class ReadyWaiters {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly source: ReadinessSource) {}

  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (outcome: NotReadyReason | "ready") => {
        this.waiters.delete(settle);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (outcome === "ready") return resolve();
        const { name, lastExit, lastProbe } = this.source;
        reject(new ReplicaNotReadyError({ reason: outcome, replica: name(), lastExit: lastExit(), lastProbe: lastProbe(), timeoutMs }));
      };
      const settle = () => {
        const outcome = this.source.readiness();
        if (outcome) finish(outcome);
      };
      const onAbort = () => finish("aborted");
      // Unref'd: a forgotten wait must not keep a process alive; the replica's own handles do.
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      timer.unref();
      if (signal?.aborted) return finish("aborted");
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(settle);
      settle();
    });
  }

  settle(): void {
    for (const settle of [...this.waiters]) settle();
  }
}
