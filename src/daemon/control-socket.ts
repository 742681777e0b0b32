import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { EXIT_BUG, EXIT_STACK_FAILED, UserError } from "../errors.js";
import { OperationCancelled } from "./operation-queue.js";
import { encode, type Reply, type Request, type WireError } from "./protocol.js";

export type RequestHandler = (request: Request, progress: (message: string) => void, signal: AbortSignal) => Promise<unknown>;

/** Listens on a unix socket only the owner may use (0600 inside a 0700 directory). */
export async function listenControlSocket(path: string, handle: RequestHandler): Promise<Server> {
  await removeStaleSocket(path);
  const server = createServer((socket) => serveConnection(socket, handle));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const previousUmask = process.umask(0o177);
    server.listen(path, () => {
      process.umask(previousUmask);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return server;
}

function serveConnection(socket: Socket, handle: RequestHandler): void {
  let buffer = "";
  let handled = false;
  socket.setEncoding("utf8");
  socket.on("error", () => {});
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    const newline = buffer.indexOf("\n");
    if (newline < 0 || handled) return;
    handled = true;
    const send = (reply: Reply) => {
      if (!socket.destroyed) socket.write(encode(reply));
    };
    let request: Request;
    try {
      request = JSON.parse(buffer.slice(0, newline)) as Request;
    } catch {
      send({ type: "error", error: { message: "malformed request", exitCode: EXIT_BUG, bug: true } });
      socket.end();
      return;
    }
    // A CLI that goes away (Ctrl+C) before its answer cancels what it asked for, up to its commit point.
    const connection = new AbortController();
    let answered = false;
    socket.once("close", () => {
      if (!answered) connection.abort(new OperationCancelled(`the berth command that asked for ${request.op} stopped before it finished`));
    });
    handle(request, (message) => send({ type: "progress", message }), connection.signal)
      .then((result) => send({ type: "result", result: result ?? null }))
      .catch((error: unknown) => send({ type: "error", error: toWireError(error) }))
      .finally(() => {
        answered = true;
        socket.end();
      });
  });
}

export function toWireError(error: unknown): WireError {
  if (error instanceof UserError) {
    return {
      message: error.message,
      hint: error.options.hint,
      details: error.options.details,
      diagnostics: error.options.diagnostics,
      exitCode: error.exitCode,
    };
  }
  if (error instanceof OperationCancelled) {
    return { message: error.message, hint: "nothing of it was left half done: what ran before keeps running", exitCode: EXIT_STACK_FAILED };
  }
  const message = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  return { message, exitCode: EXIT_BUG, bug: true };
}

/** A socket file left by a daemon that died is removed; one that answers means a daemon is running. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (alive) throw new UserError(`a berth daemon is already running on ${path}`);
  unlinkSync(path);
}
