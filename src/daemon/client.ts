import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { EXIT_DAEMON_UNAVAILABLE, UserError } from "../errors.js";
import { berthHome, homePaths } from "../util/paths.js";
import { encode, type Reply, type Request } from "./protocol.js";

const DAEMON_START_TIMEOUT_MS = 10_000;
const DAEMON_ENTRY = fileURLToPath(new URL("./daemon-entry.js", import.meta.url));

/** Sends one request; starts the daemon first when none is listening (unless `startIfNeeded` is false). */
export async function callDaemon<T>(
  request: Request,
  options: { onProgress?: (message: string) => void; startIfNeeded?: boolean; home?: string } = {},
): Promise<T> {
  const home = options.home ?? berthHome();
  const socketPath = homePaths(home).socket;
  try {
    return await sendRequest<T>(socketPath, request, options.onProgress);
  } catch (error) {
    if (!isNotListening(error) || options.startIfNeeded === false) throw asUnavailable(error, socketPath);
  }
  await startDaemon(home);
  return sendRequest<T>(socketPath, request, options.onProgress);
}

export async function isDaemonRunning(home: string = berthHome()): Promise<boolean> {
  try {
    await sendRequest(homePaths(home).socket, { op: "ping" });
    return true;
  } catch {
    return false;
  }
}

async function startDaemon(home: string): Promise<void> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const log = openSync(homePaths(home).daemonLog, "a", 0o600);
  const child = spawn(process.execPath, [DAEMON_ENTRY], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, BERTH_HOME: home },
  });
  child.unref();
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await isDaemonRunning(home)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new UserError(`the berth daemon did not start within ${DAEMON_START_TIMEOUT_MS / 1000} s`, {
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
    socket.once("close", () => settle(() => reject(new Error("the daemon closed the connection without an answer"))));
  });
}

function isNotListening(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ECONNREFUSED";
}

function asUnavailable(error: unknown, socketPath: string): Error {
  if (error instanceof UserError) return error;
  if (isNotListening(error)) {
    return new UserError(`no berth daemon is running (${socketPath})`, { exitCode: EXIT_DAEMON_UNAVAILABLE, hint: "`berth up` starts it" });
  }
  return error as Error;
}
