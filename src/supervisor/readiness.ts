import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { redactText } from "../config/secrets.js";
import type { Service } from "../config/types.js";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import { throwIfCancelled } from "../daemon/operation-queue.js";
import { parseLogLine } from "../logs/log-line.js";
import { ReplicaNotReadyError, type Replica } from "./replica.js";

// `up -d` and `deploy` return when the stack is ready (like `docker compose up --wait`): every
// replica running and, with a health check, healthy. Otherwise they name each failing service with
// its last log lines and the likely fix.

const LOG_TAIL_LINES = 12;
const LOG_TAIL_BYTES = 16 * 1024;

export interface ReadinessTarget {
  service: string;
  replicas: Replica[];
  timeoutMs: number;
}

/** How long a service may take to become ready when its health check does not bound it. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** Long enough for the health check's start period and all its retries. */
export function readyTimeoutMs(service: Service): number {
  if (!service.health) return DEFAULT_READY_TIMEOUT_MS;
  const { startPeriodMs, intervalMs, retries, timeoutMs } = service.health.probe;
  return Math.max(DEFAULT_READY_TIMEOUT_MS, startPeriodMs + (intervalMs + timeoutMs) * (retries + 1));
}

/** `replicas` of `service` to wait for, for the service's own timeout unless `timeoutMs` overrides it. */
export function readinessTarget(service: Service, replicas: Replica[], timeoutMs?: number): ReadinessTarget {
  return { service: service.name, replicas, timeoutMs: timeoutMs ?? readyTimeoutMs(service) };
}

/** Resolves when every replica is ready; else throws one UserError (exit 3) naming every service that is not. */
export async function waitUntilStackReady(targets: ReadinessTarget[], secretValues: string[], signal?: AbortSignal): Promise<void> {
  const outcomes = await Promise.all(
    targets.flatMap(({ replicas, timeoutMs }) =>
      replicas.map((replica) => replica.waitUntilReady(timeoutMs, signal).then(() => null, (error: unknown) => ({ replica, error }))),
    ),
  );
  throwIfCancelled(signal);
  const failures = outcomes.filter((outcome) => outcome !== null);
  if (failures.length === 0) return;
  const services = [...new Set(failures.map(({ replica }) => replica.snapshot().service))];
  const sections = failures.map(({ replica, error }) => describeFailure(replica, error, secretValues));
  const hints = [...new Set(failures.map(({ replica, error }) => likelyFix(replica, error)).filter((hint) => hint !== null))];
  throw new UserError(`${services.join(", ")} ${services.length === 1 ? "is" : "are"} not ready`, {
    exitCode: EXIT_STACK_FAILED,
    details: sections.join("\n\n"),
    hint: [...hints, `the stack keeps running so you can look: \`berth ps\`, \`berth logs ${services[0]}\`; \`berth down\` stops it`].join("; "),
  });
}

function describeFailure(replica: Replica, error: unknown, secretValues: string[]): string {
  const { service, replica: index } = replica.snapshot();
  const why = error instanceof ReplicaNotReadyError ? reasonText(error) : error instanceof Error ? error.message : String(error);
  const lines = lastLines(replica.logPath, LOG_TAIL_LINES).map((line) => parseLogLine(line)?.text ?? line);
  const tail = redactText(lines.join("\n"), secretValues);
  return `${service}.${index}: ${why}${tail ? `\n  last log lines:\n${tail.replace(/^/gm, "    ")}` : ""}`;
}

function reasonText(error: ReplicaNotReadyError): string {
  const parts: string[] = [];
  if (error.reason === "crash-loop") parts.push("keeps exiting (crash loop)");
  else if (error.reason === "exited") parts.push("exited and is not restarted (restart policy)");
  else if (error.reason === "timeout") parts.push("did not become ready in time");
  else parts.push(error.reason);
  if (error.lastExit) parts.push(`last exit: ${error.lastExit}`);
  if (error.lastProbe) parts.push(`health check: ${error.lastProbe}`);
  return parts.join("; ");
}

/** The fix a user most likely needs, from the exit status, the probe's answer or the log. */
export function likelyFix(replica: Replica, error: unknown): string | null {
  const lastExit = error instanceof ReplicaNotReadyError ? error.lastExit ?? "" : "";
  const lastProbe = error instanceof ReplicaNotReadyError ? error.lastProbe ?? "" : "";
  const log = lastLines(replica.logPath, LOG_TAIL_LINES).join("\n");
  const { service } = replica.snapshot();
  if (/exit code 127\b/.test(lastExit) || /not found/.test(log)) {
    return `${service}: its command was not found: install the program, or give its full path in \`command:\` (apps get the PATH of the \`berth up\` that started the stack)`;
  }
  if (/exit code 126\b/.test(lastExit)) return `${service}: its command is not executable (chmod +x, or run it through its interpreter)`;
  if (/\b400\b/.test(lastProbe) || /DisallowedHost|Invalid HTTP_HOST/.test(log)) {
    return `${service}: the app refused the health check's Host header: add the host to ALLOWED_HOSTS (Django), or set \`health.host\` to a host it accepts`;
  }
  if (/ModuleNotFoundError|ImportError/.test(log)) return `${service}: a Python module is missing: install it, or check the service's cwd and PYTHONPATH`;
  if (/Cannot find module/.test(log)) return `${service}: a Node module is missing: run \`npm ci\` in the app's directory (or add it to \`build:\`)`;
  if (/EADDRINUSE|Address already in use/.test(log)) return `${service}: its port is taken: bind to 127.0.0.1:$PORT, the port berth gives each replica`;
  if (/could not start|ENOENT|EACCES/.test(lastExit + log)) return `${service}: berth could not start it: check its \`cwd:\` and command`;
  if (/\b(404|500|502|503)\b/.test(lastProbe)) return `${service}: the health check's path answers ${/\b\d{3}\b/.exec(lastProbe)?.[0]}: check \`health.http\``;
  return null;
}

/** The last `count` lines of a file, read from its end (a log can be large). */
export function lastLines(path: string, count: number): string[] {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString("utf8").split("\n").filter((line) => line.length > 0);
    if (length < size) lines.shift();
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}
