// The replica's life as an explicit state machine, after supervisord's process.py: every status
// change is a named event checked against this table, and an event the table does not allow in the
// current state is a bug in berth, reported loudly instead of leaving `ps` to tell a lie.

export type ReplicaStatus = "stopped" | "starting" | "running" | "backoff" | "crash-loop" | "stopping" | "exited";

export type ReplicaEvent =
  /** A process was spawned (or the spawn was attempted: a failed spawn follows as spawn-failed). */
  | "spawn"
  /** A previous daemon's process was taken over. */
  | "adopt"
  /** The spawn itself failed (missing cwd, EACCES): no process ever ran. */
  | "spawn-failed"
  /** The process passed its health check, or stayed up long enough when it has none. */
  | "ready"
  /** The process has been ready for the stable period: its crash history is forgiven. */
  | "stable"
  /** The process is gone and will be started again after a delay. */
  | "crashed"
  /** The process is gone and the restart policy says to leave it. */
  | "exited"
  /** Someone asked for a stop. */
  | "stop"
  /** The process of a stopping replica is gone. */
  | "stopped";

export interface TransitionContext {
  /** Recent history is a crash loop (see restart-policy.ts). */
  crashLooping: boolean;
  hasHealthCheck: boolean;
  /** A process of this replica exists (or may exist: an adopted one, not yet confirmed gone). */
  hasProcess: boolean;
}

interface Transition {
  from: readonly ReplicaStatus[];
  to: (context: TransitionContext) => ReplicaStatus;
}

const WITHOUT_PROCESS: readonly ReplicaStatus[] = ["stopped", "backoff", "crash-loop", "exited"];
const WITH_PROCESS: readonly ReplicaStatus[] = ["starting", "running", "crash-loop"];

/** A crash-looping replica keeps showing crash-loop, even alive, until it has been stable. */
const unlessCrashLooping = (status: ReplicaStatus) => (context: TransitionContext): ReplicaStatus =>
  context.crashLooping ? "crash-loop" : status;

export const TRANSITIONS: Readonly<Record<ReplicaEvent, Transition>> = {
  spawn: { from: WITHOUT_PROCESS, to: unlessCrashLooping("starting") },
  adopt: { from: ["stopped"], to: (context) => (context.hasHealthCheck ? "starting" : "running") },
  "spawn-failed": { from: ["starting", "crash-loop"], to: unlessCrashLooping("backoff") },
  ready: { from: WITH_PROCESS, to: unlessCrashLooping("running") },
  stable: { from: ["running", "crash-loop"], to: () => "running" },
  crashed: { from: WITH_PROCESS, to: unlessCrashLooping("backoff") },
  exited: { from: WITH_PROCESS, to: () => "exited" },
  stop: {
    from: ["stopped", "starting", "running", "backoff", "crash-loop", "exited", "stopping"],
    to: (context) => (context.hasProcess ? "stopping" : "stopped"),
  },
  stopped: { from: ["stopping"], to: () => "stopped" },
};

/** The status after `event`; throws when the table does not allow `event` in `status`. */
export function nextStatus(status: ReplicaStatus, event: ReplicaEvent, context: TransitionContext): ReplicaStatus {
  const transition = TRANSITIONS[event];
  if (!transition.from.includes(status)) {
    throw new Error(`illegal replica transition: event "${event}" in state "${status}" (this is a bug in berth)`);
  }
  return transition.to(context);
}
