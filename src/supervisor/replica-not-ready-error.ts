// Why a wait for a replica to be ready gave up, with what a caller needs to explain it to a user.

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
