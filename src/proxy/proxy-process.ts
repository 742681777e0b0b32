import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Logger } from "../util/logger.js";
import { readProcessStat } from "../supervisor/procfs.js";
import { callProxy, proxyPaths, readProxyRecord, ProxyUnreachableError, type ProxyRecord, type ProxyStatus } from "./proxy-control.js";
import type { ListenerSettings } from "./types.js";

const PROXY_ENTRY = fileURLToPath(new URL("./proxy-entry.js", import.meta.url));
/** Generous: on a loaded 2-core machine forking the workers and loading TLS takes seconds. */
const START_TIMEOUT_MS = 60_000;
const STATUS_TIMEOUT_MS = 10_000;
/** Workers drain their requests before exiting (up to 30 s each), then the process is killed. */
const STOP_TIMEOUT_MS = 45_000;
const POLL_INTERVAL_MS = 50;

/**
 * The proxy process serving this BERTH_HOME, or null when none runs. A process that has the
 * recorded identity but does not answer on the socket cannot be controlled: it is ended so its
 * ports are free for a new one.
 */
export async function findRunningProxy(home: string, logger: Logger): Promise<ProxyStatus | null> {
  const record = readProxyRecord(home);
  try {
    const status = await callProxy<ProxyStatus>(home, { op: "status" }, STATUS_TIMEOUT_MS);
    if (!record || record.pid === status.pid) return status;
  } catch (error) {
    if (!(error instanceof ProxyUnreachableError)) throw error;
  }
  if (record && isSameProcess(record)) {
    logger.warn("the recorded proxy process does not answer on its socket: ending it", { pid: record.pid });
    await endProcessGroup(record);
  }
  return null;
}

/** Spawns a detached proxy process (its own session, so it outlives the daemon) and waits until it serves. */
export async function startProxyProcess(home: string, settings: ListenerSettings): Promise<ProxyStatus> {
  const paths = proxyPaths(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const log = openSync(paths.log, "a", 0o600);
  const child = spawn(process.execPath, [PROXY_ENTRY], {
    detached: true,
    stdio: ["ignore", log, log],
    // Defined, never inherited: the proxy must not depend on whichever CLI call started the daemon.
    env: { BERTH_HOME: home, BERTH_PROXY_SETTINGS: JSON.stringify(settings), PATH: "/usr/local/bin:/usr/bin:/bin" },
  });
  closeSync(log);
  child.unref();
  let exited: string | null = null;
  child.once("exit", (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the proxy process ended (${exited}): ${lastLogLine(paths.log) ?? "no message"}`);
    try {
      const status = await callProxy<ProxyStatus>(home, { op: "status" }, STATUS_TIMEOUT_MS);
      if (status.pid === child.pid) return status;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  if (child.pid) await endProcessGroup({ pid: child.pid, startTime: readProcessStat(child.pid)?.startTicks ?? null });
  throw new Error(`the proxy process did not start within ${START_TIMEOUT_MS / 1000} s (see ${paths.log})`);
}

/** Stops the proxy gracefully (workers finish their requests), killing it after a deadline. */
export async function stopProxyProcess(home: string, proxy: Pick<ProxyRecord, "pid" | "startTime">): Promise<void> {
  try {
    await callProxy(home, { op: "stop" }, STATUS_TIMEOUT_MS);
  } catch {
    // Unreachable: the signals below still end it.
  }
  if (await waitForExit(proxy, STOP_TIMEOUT_MS)) return;
  await endProcessGroup(proxy);
}

function isSameProcess(proxy: Pick<ProxyRecord, "pid" | "startTime">): boolean {
  const startTime = readProcessStat(proxy.pid)?.startTicks ?? null;
  return startTime !== null && (proxy.startTime === null || startTime === proxy.startTime);
}

async function waitForExit(proxy: Pick<ProxyRecord, "pid" | "startTime">, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isSameProcess(proxy)) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return !isSameProcess(proxy);
}

/** The proxy leads its own process group (detached): the group holds it and its workers. */
async function endProcessGroup(proxy: Pick<ProxyRecord, "pid" | "startTime">): Promise<void> {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    if (!isSameProcess(proxy)) return;
    try {
      process.kill(-proxy.pid, signal);
    } catch {
      // already gone
    }
    if (await waitForExit(proxy, signal === "SIGTERM" ? STOP_TIMEOUT_MS : STATUS_TIMEOUT_MS)) return;
  }
}

function lastLogLine(path: string): string | null {
  try {
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    return lines.at(-1) || null;
  } catch {
    return null;
  }
}
