import type { Command } from "commander";
import { userInfo } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { callDaemon } from "../../daemon/client.js";
import { acquireDeployLock } from "../../release/deploy-lock.js";
import { releaseDirectory, type ReleaseRecord } from "../../release/history.js";
import { chooseRollbackTarget, loadReleaseStack } from "../../release/rollback-target.js";
import { stackPaths } from "../../util/paths.js";
import { appEnvironment } from "../app-env.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerRollback(program: Command): void {
  program
    .command("rollback")
    .description("switch back to a kept release (default: the one before the live one) without rebuilding")
    .argument("[release]", "a release id from `berth releases`")
    .action(async (requested: string | undefined, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      const paths = stackPaths(name);
      const unlock = acquireDeployLock(paths.root, userInfo().username);
      try {
        const releases = await callDaemon<ReleaseRecord[]>({ op: "releases", name });
        const target = chooseRollbackTarget(releases, requested);
        // The same overlays (-f, -d) as the release was deployed with, as that release has them.
        const releaseDir = releaseDirectory(paths.root, target.id);
        const stackRoot = dirname(resolve(global.file));
        const overlays = global.overlays.map((file) => join(releaseDir, relative(stackRoot, resolve(file))));
        const stack = loadReleaseStack(paths.root, target, process.env, { overlays, destination: global.destination, expectedName: name });
        const startedAt = Date.now();
        // Release tasks are not run again: a rollback must not re-apply (or undo) migrations.
        await callDaemon(
          { op: "deploy", stack, options: { release: target, appEnv: appEnvironment(), runReleaseTasks: false, rollback: true, wait: true, noRestart: [] } },
          { onProgress: global.json ? undefined : printProgress },
        );
        if (global.json) printJson({ stack: name, release: target.id, durationMs: Date.now() - startedAt });
        else printLine(`${name}: rolled back to ${target.id} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      } finally {
        unlock();
      }
    });
}
