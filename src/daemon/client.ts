import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT_DAEMON_UNAVAILABLE, UserError } from "../errors.js";
import { isProcessAlive } from "../util/process-alive.js";
import { berthHome, homePaths } from "../util/paths.js";
import { HOST_SETTINGS_ENV } from "./host-settings-env.js";
import type { HostSettings } from "./host-settings.js";
import { encode, PROTOCOL_VERSION, type Reply, type Request } from "./protocol.js";

const DAEMON_START_TIMEOUT_MS = 30_000;
const DAEMON_STOP_TIMEOUT_MS = 120_000;
const DAEMON_ENTRY = fileURLToPath(new URL("./daemon-entry.js", import.meta.url));
/** The daemon's PATH: fixed, so the daemon behaves the same whoever started it (apps get the PATH of their `up`). */
const DAEMON_PATH = `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

export interface PingReply {
  pid: number;
  protocol?: number;
  version?: string;
  settings?: unknown;
}

export interface CallOptions {
  onProgress?: (message: string) => void;
  startIfNeeded?: boolean;
  home?: string;
}

const checkedHomes = new Set<string>();

/**
 * Sends one request; starts the daemon first when none is listening (unless `startIfNeeded` is
 * false), and hands over to a daemon of this CLI's version when an older one runs (apps keep running).
 */
export async function callDaemon<T>(request: Request, options: CallOptions = {}): Promise<T> {
  const home = options.home ?? berthHome();
  const socketPath = homePaths(home).socket;
  if (!checkedHomes.has(home)) {
    checkedHomes.add(home);
    const ping = await sendRequest<PingReply>(socketPath, { op: "ping" }).catch((error: unknown) => {
      if (!isNotListening(error) || options.startIfNeeded === false) throw asUnavailable(error, socketPath);
      return null;
    });
    const daemonProtocol = ping?.protocol ?? 1;
    if (ping && daemonProtocol > PROTOCOL_VERSION) {
      throw new UserError(`the running berth daemon (${ping.version ?? "newer"}) is newer than this berth CLI`, {
        exitCode: EXIT_DAEMON_UNAVAILABLE,
        hint: "use the newer berth (check `which berth`), or stop that daemon first with it",
      });
    }
    if (ping && daemonProtocol < PROTOCOL_VERSION) await handOver(home, ping.pid);
    if (!ping || daemonProtocol < PROTOCOL_VERSION) await startDaemon(home);
    else await warnIfSettingsDiffer(home, ping);
  }
  try {
    return await sendRequest<T>(socketPath, { ...request, protocol: PROTOCOL_VERSION }, options.onProgress);
  } catch (error) {
    if (!isNotListening(error) || options.startIfNeeded === false) throw asUnavailable(error, socketPath);
  }
  await startDaemon(home);
  return sendRequest<T>(socketPath, { ...request, protocol: PROTOCOL_VERSION }, options.onProgress);
}

export async function isDaemonRunning(home: string = berthHome()): Promise<boolean> {
  try {
    await sendRequest(homePaths(home).socket, { op: "ping" });
    return true;
  } catch {
    return false;
  }
}

/** Asks the running daemon to exit; with `stopApps` false its apps and proxy keep serving for the next daemon. */
export async function stopDaemon(home: string, stopApps: boolean): Promise<boolean> {
  let ping: PingReply;
  try {
    ping = await sendRequest<PingReply>(homePaths(home).socket, { op: "ping" });
  } catch {
    return false;
  }
  await sendRequest(homePaths(home).socket, { op: "shutdown", stopApps });
  await waitForExit(ping.pid);
  return true;
}

/** Host settings given in this call's environment that the running daemon does not use are not ignored in silence. */
async function warnIfSettingsDiffer(home: string, ping: PingReply): Promise<void> {
  if (!HOST_SETTINGS_ENV.some((name) => process.env[name]) || !ping.settings) return;
  const { readHostSettings, describeSettingsDifference } = await import("./host-settings.js");
  const difference = describeSettingsDifference(ping.settings as HostSettings, readHostSettings(home, process.env));
  if (difference) {
    process.stderr.write(`berth: the running daemon uses other host settings than this environment asks for (${difference}); \`berth daemon restart\` applies them and keeps the apps serving\n`);
  }
}

async function handOver(home: string, pid: number): Promise<void> {
  await sendRequest(homePaths(home).socket, { op: "shutdown", stopApps: false }).catch(() => {});
  await waitForExit(pid);
}

async function waitForExit(pid: number): Promise<void> {
  const deadline = Date.now() + DAEMON_STOP_TIMEOUT_MS;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) throw new UserError(`the daemon (pid ${pid}) did not stop within ${DAEMON_STOP_TIMEOUT_MS / 1000} s`, { exitCode: EXIT_DAEMON_UNAVAILABLE });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The daemon's environment is defined here, never the whole environment of whichever call started it. */
export function daemonEnvironment(home: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const defined: Record<string, string> = { BERTH_HOME: home, PATH: DAEMON_PATH, LANG: env.LANG ?? "C.UTF-8" };
  if (env.HOME) defined.HOME = env.HOME;
  for (const name of HOST_SETTINGS_ENV) if (env[name]) defined[name] = env[name]!;
  return defined;
}

export async function startDaemon(home: string): Promise<void> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const log = openSync(homePaths(home).daemonLog, "a", 0o600);
  const child = spawn(process.execPath, [DAEMON_ENTRY], { detached: true, stdio: ["ignore", log, log], env: daemonEnvironment(home), cwd: "/" });
  child.unref();
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await isDaemonRunning(home)) return;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new UserError(child.exitCode !== null ? `the berth daemon could not start (exit code ${child.exitCode})` : `the berth daemon did not start within ${DAEMON_START_TIMEOUT_MS / 1000} s`, {
    exitCode: EXIT_DAEMON_UNAVAILABLE,
    hint: `see ${homePaths(home).daemonLog}`,
  });
}

function sendRequest<T>(socketPath: string, request: Request, onProgress?: (message: string) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let buffer = "";
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      action();
    };
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(encode(request)));
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const reply = JSON.parse(buffer.slice(0, newline)) as Reply;
        buffer = buffer.slice(newline + 1);
        if (reply.type === "progress") onProgress?.(reply.message);
        else if (reply.type === "result") settle(() => resolve(reply.result as T));
        else
          settle(() =>
            reject(
              new UserError(reply.error.message, {
                hint: reply.error.hint,
                details: reply.error.details,
                diagnostics: reply.error.diagnostics,
                exitCode: reply.error.exitCode,
              }),
            ),
          );
      }
    });
    socket.once("error", (error) => settle(() => reject(error)));
    socket.once("close", () =>
      settle(() =>
        reject(
          new UserError(`the berth daemon closed the connection before answering ${request.op}`, {
            exitCode: EXIT_DAEMON_UNAVAILABLE,
            hint: "it may have stopped or crashed: see `berth daemon status` and its log; the apps keep running",
          }),
        ),
      ),
    );
  });
}

function isNotListening(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ECONNREFUSED";
}

function asUnavailable(error: unknown, socketPath: string): Error {
  if (error instanceof UserError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (isNotListening(error)) {
    return new UserError(`no berth daemon is running (${socketPath})`, { exitCode: EXIT_DAEMON_UNAVAILABLE, hint: "`berth up` starts it" });
  }
  if (code === "EACCES" || code === "EPERM") {
    return new UserError(`the berth daemon's socket refuses this user (${socketPath})`, {
      exitCode: EXIT_DAEMON_UNAVAILABLE,
      hint: "run berth as the user that owns BERTH_HOME, or set BERTH_HOME to your own directory",
    });
  }
  return new UserError(`cannot reach the berth daemon: ${(error as Error).message}`, { exitCode: EXIT_DAEMON_UNAVAILABLE });
}
