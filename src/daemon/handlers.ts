import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import type { Request } from "./protocol.js";
import type { DeployOptions, StackManager } from "./stack-manager.js";

export const DAEMON_VERSION = 1;

/** Maps control-socket requests to StackManager verbs. */
export function createRequestHandler(manager: StackManager, shutdown: () => void) {
  return async (request: Request, progress: (message: string) => void): Promise<unknown> => {
    switch (request.op) {
      case "ping":
        return { pid: process.pid, version: DAEMON_VERSION, proxy: manager.frontDoor.listeners };
      case "up":
        return manager.up(request.stack as Stack, progress);
      case "deploy":
        return manager.deploy(request.stack as Stack, request.options as DeployOptions, progress);
      case "down":
        return manager.down(stringArgument(request, "name"), request.deleteData === true);
      case "ps":
        return manager.processes(stringArgument(request, "name"));
      case "ls":
        return manager.list();
      case "restart":
        return manager.restart(stringArgument(request, "name"), optionalString(request, "service"));
      case "scale":
        return manager.scale(stringArgument(request, "name"), stringArgument(request, "service"), Number(request.count));
      case "backup":
        return manager.backup(stringArgument(request, "name"), progress);
      case "restore":
        return manager.restoreBackup(stringArgument(request, "name"), stringArgument(request, "backup"), progress);
      case "shutdown":
        setImmediate(shutdown);
        return { stopping: true };
      default:
        throw new UserError(`the daemon does not know the request "${request.op}"`, {
          hint: "the CLI and the daemon may be different versions: run `berth daemon stop`, then retry",
        });
    }
  };
}

function stringArgument(request: Request, key: string): string {
  const value = request[key];
  if (typeof value !== "string") throw new UserError(`request ${request.op} needs "${key}"`);
  return value;
}

function optionalString(request: Request, key: string): string | undefined {
  return typeof request[key] === "string" ? (request[key] as string) : undefined;
}
