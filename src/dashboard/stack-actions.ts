import { acquireDeployLock } from "../release/deploy-lock.js";
import { UserError } from "../errors.js";
import { verifyListedBackup } from "./backups.js";
import { berthHome, stackPaths } from "../util/paths.js";
import type { StackManager } from "../daemon/stack-manager.js";

// Each dashboard action is the StackManager operation its CLI verb calls, queued on the stack's
// queue, so it waits for (and is serialised with) whatever the CLI runs. An action outlives the page
// that started it: closing the tab does not cancel a rollback halfway.

export type ActionRequest =
  | { kind: "restart"; service?: string }
  | { kind: "scale"; service: string; count: number }
  | { kind: "rollback"; release: string }
  | { kind: "deploy" }
  | { kind: "backup" }
  | { kind: "verify-backup"; backup: string };

type Progress = (message: string) => void;

export function describeAction(request: ActionRequest): string {
  switch (request.kind) {
    case "restart":
      return request.service ? `restart ${request.service}` : "restart every service";
    case "scale":
      return `scale ${request.service} to ${request.count}`;
    case "rollback":
      return `roll back to ${request.release}`;
    case "deploy":
      return "deploy the current source";
    case "backup":
      return "back up now";
    case "verify-backup":
      return `verify ${request.backup}`;
  }
}

/** Checks a request from a page before anything is queued: a bad one is refused, not half-run. */
export function parseActionRequest(body: unknown): ActionRequest {
  const value = (body ?? {}) as Record<string, unknown>;
  const service = typeof value.service === "string" && value.service !== "" ? value.service : undefined;
  switch (value.kind) {
    case "restart":
      return { kind: "restart", service };
    case "scale": {
      const count = Number(value.count);
      if (!service) throw new UserError("scale needs a service");
      if (!Number.isInteger(count) || count < 0) throw new UserError(`a replica count is a whole number, not ${String(value.count)}`);
      return { kind: "scale", service, count };
    }
    case "rollback":
      if (typeof value.release !== "string" || value.release === "") throw new UserError("rollback needs a release id");
      return { kind: "rollback", release: value.release };
    case "backup":
      return { kind: "backup" };
    case "deploy":
      return { kind: "deploy" };
    case "verify-backup":
      if (typeof value.backup !== "string" || value.backup === "") throw new UserError("verify needs a backup name");
      return { kind: "verify-backup", backup: value.backup };
    default:
      throw new UserError(`unknown action ${JSON.stringify(value.kind)}`);
  }
}

export async function runAction(manager: StackManager, stack: string, request: ActionRequest, progress: Progress): Promise<string> {
  const signal = new AbortController().signal;
  switch (request.kind) {
    case "restart":
      await manager.restart(stack, request.service, progress, signal);
      return `${request.service ?? "every service"} restarted; every replica is ready`;
    case "scale":
      await manager.scale(stack, { [request.service]: request.count }, progress, signal);
      return `${request.service} runs ${request.count} replica${request.count === 1 ? "" : "s"}, all ready`;
    case "backup": {
      const files = await manager.backup(stack, progress, signal);
      return files.length === 0 ? "nothing to back up (the stack has no database or Redis)" : `backed up: ${files.map((file) => file.name).join(", ")}`;
    }
    case "rollback":
      return rollback(manager, stack, request.release, progress, signal);
    case "deploy": {
      // The CLI is only loaded (and run, in a child process) when a deploy is asked for.
      const { deployCurrentSource } = await import("./deploy-current-source.js");
      return deployCurrentSource(manager, stack, progress);
    }
    case "verify-backup":
      // Read-only: it needs no place on the stack's queue.
      progress(`reading ${request.backup}`);
      return verifyListedBackup(stack, request.backup);
  }
}

/** `berth rollback <release>` from the daemon: the same lock, target choice and deploy request. */
async function rollback(manager: StackManager, stack: string, requested: string, progress: Progress, signal: AbortSignal): Promise<string> {
  // The YAML parser and the schema are loaded only when a rollback needs a release's berth.yml.
  const { chooseRollbackTarget, loadReleaseStack } = await import("../release/rollback-target.js");
  const root = stackPaths(stack, berthHome()).root;
  const unlock = acquireDeployLock(root, "dashboard");
  try {
    const target = chooseRollbackTarget(manager.releases(stack), requested);
    // The release's berth.yml is interpolated with the daemon's environment; the apps get the one recorded at `up`.
    const definition = loadReleaseStack(root, target, process.env, { expectedName: stack });
    if (definition.name !== stack) throw new UserError(`release ${target.id} defines stack "${definition.name}", not "${stack}"`);
    const startedAt = Date.now();
    progress(`rolling back to ${target.id}`);
    await manager.deploy(definition, { release: target, appEnv: {}, runReleaseTasks: false, rollback: true, wait: true, noRestart: [] }, progress, signal);
    return `${target.id} is live (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`;
  } finally {
    unlock();
  }
}
