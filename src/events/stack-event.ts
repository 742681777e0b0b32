// What happened to a stack, for the timeline (dashboard), alerts and `berth events`. One line each,
// never a secret value: messages are built from berth's own words, exit descriptions and probe results.

export type StackEventKind =
  | "crash"
  | "crash-loop"
  | "unhealthy"
  | "health-restart"
  | "deploy-started"
  | "deploy-succeeded"
  | "deploy-failed"
  | "rollback"
  | "backup-succeeded"
  | "backup-failed"
  | "restore"
  | "certificate-renewed"
  | "certificate-failed"
  | "job-failed"
  | "job-succeeded"
  | "disk-low";

export type EventSeverity = "info" | "warning" | "error";

export interface StackEvent {
  /** ISO 8601 time the event was recorded. */
  at: string;
  stack: string;
  kind: StackEventKind;
  severity: EventSeverity;
  message: string;
  service?: string;
  replica?: number;
  release?: string;
}

export type NewStackEvent = Omit<StackEvent, "at" | "severity"> & { severity?: EventSeverity };

const DEFAULT_SEVERITY: Record<StackEventKind, EventSeverity> = {
  crash: "warning",
  "crash-loop": "error",
  unhealthy: "warning",
  "health-restart": "warning",
  "deploy-started": "info",
  "deploy-succeeded": "info",
  "deploy-failed": "error",
  rollback: "info",
  "backup-succeeded": "info",
  "backup-failed": "error",
  restore: "info",
  "certificate-renewed": "info",
  "certificate-failed": "error",
  "job-failed": "error",
  "job-succeeded": "info",
  "disk-low": "warning",
};

export function completeEvent(event: NewStackEvent, now: Date = new Date()): StackEvent {
  return { ...event, at: now.toISOString(), severity: event.severity ?? DEFAULT_SEVERITY[event.kind] };
}
