import { createServer } from "node:net";
import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import type { ListenerSettings } from "./types.js";

/**
 * Before a stack with its own ports (`proxy.listen`, `proxy.listen_tls`) comes up: each port must
 * be neither a shared listener nor another stack's, and free to bind, so that a port that cannot
 * be served stops `berth up` with a reason instead of a line in the proxy's log. Ports the running
 * version of the stack already has are the proxy's own and are not tried again.
 */
export async function checkStackPorts(stack: Stack, runningStacks: Stack[], shared: ListenerSettings): Promise<void> {
  const listeners = stack.proxy?.listen ?? [];
  if (listeners.length === 0) return;
  const problems: string[] = [];
  if (stack.proxy!.tls.mode === "off" && listeners.some((listener) => listener.tls)) {
    problems.push("`listen_tls` needs a certificate, and `tls` is off");
  }
  const running = runningStacks.find((other) => other.name === stack.name);
  for (const { port } of listeners) {
    if (port === shared.httpPort || port === shared.httpsPort) {
      problems.push(`port ${port} is the proxy's shared ${port === shared.httpPort ? "HTTP" : "HTTPS"} port, where every stack is served already`);
      continue;
    }
    const owner = runningStacks.find((other) => other.name !== stack.name && other.proxy?.listen.some((listener) => listener.port === port));
    if (owner) {
      problems.push(`port ${port} is stack ${owner.name}'s own port`);
      continue;
    }
    if (running?.proxy?.listen.some((listener) => listener.port === port)) continue;
    const bindError = await tryBind(port, shared.address);
    if (bindError) problems.push(`port ${port} cannot be opened on ${shared.address}: ${bindError}`);
  }
  if (problems.length > 0) {
    throw new UserError(`stack ${stack.name}'s own ports cannot be served: ${problems.join("; ")}`, {
      hint: "choose other ports in proxy.listen / proxy.listen_tls (ports below 1024 need root), or free them",
    });
  }
}

function tryBind(port: number, address: string): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE" ? "another program listens there" : error.code === "EACCES" ? "permission denied" : error.message));
    server.listen(port, address, () => server.close(() => resolve(null)));
  });
}
