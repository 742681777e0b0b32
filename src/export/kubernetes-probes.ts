import type { HealthCheck } from "../config/types.js";

// berth's health check as Kubernetes probes: readiness and liveness with the same timing, and a
// startup probe that gives the start period before liveness may restart the pod.

export function probesFor(health: HealthCheck, port: number | null): Record<string, unknown> {
  const handler = probeHandler(health, port);
  if (!handler) return {};
  const periodSeconds = wholeSeconds(health.probe.intervalMs);
  const timing = { periodSeconds, timeoutSeconds: wholeSeconds(health.probe.timeoutMs), failureThreshold: health.probe.retries };
  const startupFailures = Math.ceil(health.probe.startPeriodMs / 1000 / periodSeconds) + health.probe.retries;
  return {
    readinessProbe: { ...handler, ...timing },
    livenessProbe: { ...handler, ...timing },
    startupProbe: { ...handler, periodSeconds, timeoutSeconds: timing.timeoutSeconds, failureThreshold: startupFailures },
  };
}

function probeHandler(health: HealthCheck, port: number | null): Record<string, unknown> | null {
  if (health.kind === "command") return { exec: { command: ["sh", "-c", health.command] } };
  if (port === null) return null;
  if (health.kind === "tcp") return { tcpSocket: { port } };
  const headers = [...(health.host ? [{ name: "Host", value: health.host }] : []), ...(health.forwardedProto ? [{ name: "X-Forwarded-Proto", value: health.forwardedProto }] : [])];
  return { httpGet: { path: health.path, port, ...(headers.length > 0 ? { httpHeaders: headers } : {}) } };
}

function wholeSeconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}
