import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import { PROTOCOL_VERSION, type Request } from "./protocol.js";
import type { ApplyOptions, DeployOptions, StackManager } from "./stack-manager.js";

export type ShutdownMode = "handover" | "stop-apps";

/** Maps control-socket requests to StackManager verbs; `signal` aborts when the asking CLI goes away. */
export function createRequestHandler(manager: StackManager, shutdown: (mode: ShutdownMode) => void, berthVersion: string) {
  return async (request: Request, progress: (message: string) => void, signal: AbortSignal): Promise<unknown> => {
    if (request.op !== "ping" && request.protocol !== undefined && request.protocol !== PROTOCOL_VERSION) {
      throw new UserError(`this daemon speaks protocol ${PROTOCOL_VERSION}, the CLI ${String(request.protocol)}`, {
        exitCode: 4,
        hint: "`berth daemon restart` hands the stacks over to a daemon of the CLI's version without stopping them",
      });
    }
    switch (request.op) {
      case "ping":
        return { pid: process.pid, protocol: PROTOCOL_VERSION, version: berthVersion, proxy: manager.frontDoor.listeners, settings: manager.settings };
      case "up":
        return manager.up(request.stack as Stack, request.options as ApplyOptions, progress, signal);
      case "deploy":
        return manager.deploy(request.stack as Stack, request.options as DeployOptions, progress, signal);
      case "down":
        return manager.down(stringArgument(request, "name"), request.deleteData === true);
      case "ps":
        return manager.processes(stringArgument(request, "name"));
      case "ls":
        return manager.list();
      case "dashboard":
        // Imported on first use: a daemon nobody opens the dashboard of never loads it.
        return (await import("../dashboard/launcher.js")).openDashboard(manager, { port: typeof request.port === "number" ? request.port : undefined });
      case "releases":
        return manager.releases(stringArgument(request, "name"));
      case "restart":
        return manager.restart(stringArgument(request, "name"), optionalString(request, "service"), progress, signal);
      case "reload-secrets":
        return manager.reloadSecrets(stringArgument(request, "name"), progress, signal);
      case "scale":
        return manager.scale(stringArgument(request, "name"), request.counts as Record<string, number>, progress, signal);
      case "stop-service":
        return manager.stopServices(stringArgument(request, "name"), stringList(request, "services"), progress, signal);
      case "start-service":
        return manager.startServices(stringArgument(request, "name"), stringList(request, "services"), progress, signal);
      case "maintenance":
        return manager.setMaintenance(stringArgument(request, "name"), request.on === true, signal);
      case "backup":
        return manager.backup(stringArgument(request, "name"), progress, signal);
      case "restore":
        return manager.restoreBackup(stringArgument(request, "name"), stringArgument(request, "backup"), progress, signal);
      case "job-run":
        return manager.runJob(stringArgument(request, "name"), stringArgument(request, "job"));
      case "alerts-test":
        return manager.testAlerts(stringArgument(request, "name"));
      case "shutdown":
        setImmediate(() => shutdown(request.stopApps === true ? "stop-apps" : "handover"));
        return { stopping: true, appsKeepRunning: request.stopApps !== true };
      default:
        throw new UserError(`the daemon does not know the request "${request.op}"`, {
          hint: "the CLI and the daemon may be different versions: `berth daemon restart` starts the CLI's version without stopping the apps",
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

function stringList(request: Request, key: string): string[] {
  const value = request[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw new UserError(`request ${request.op} needs a list "${key}"`);
  return value;
}
