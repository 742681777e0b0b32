import { redactText } from "../config/secrets.js";
import type { AlertKind } from "../config/operations-types.js";
import type { StackEvent, StackEventKind } from "../events/stack-event.js";

// What a webhook receives: the event as JSON, plus `text` so a Slack (or Mattermost, Discord /slack)
// incoming webhook shows it as is. Every string is redacted of the stack's secret values.

export interface AlertPayload {
  text: string;
  stack: string;
  kind: StackEventKind | "test";
  severity: string;
  message: string;
  at: string;
  host: string;
  service?: string;
  replica?: number;
  release?: string;
}

/** Which `alerts.on` entry an event answers to; null for events that are never alerts (deploy-started, backup-succeeded…). */
export function alertKindOf(kind: StackEventKind): AlertKind | null {
  switch (kind) {
    case "crash-loop":
    case "deploy-failed":
    case "backup-failed":
    case "job-failed":
    case "certificate-failed":
    case "disk-low":
    case "unhealthy":
      return kind;
    case "health-restart":
      return "unhealthy";
    default:
      return null;
  }
}

export function alertPayload(event: StackEvent | (Omit<StackEvent, "kind"> & { kind: "test" }), host: string, secretValues: readonly string[]): AlertPayload {
  const redact = (text: string) => redactText(text, secretValues);
  const where = event.service === undefined ? "" : ` ${event.service}${event.replica === undefined ? "" : `.${event.replica}`}`;
  const icon = event.severity === "error" ? ":red_circle:" : event.severity === "warning" ? ":warning:" : ":information_source:";
  const message = redact(event.message);
  return {
    text: `${icon} [${event.stack}${where}] ${event.kind}: ${message} (${host})`,
    stack: event.stack,
    kind: event.kind,
    severity: event.severity,
    message,
    at: event.at,
    host,
    ...(event.service === undefined ? {} : { service: event.service }),
    ...(event.replica === undefined ? {} : { replica: event.replica }),
    ...(event.release === undefined ? {} : { release: redact(event.release) }),
  };
}
