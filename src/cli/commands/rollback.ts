import type { Command } from "commander";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { loadStack } from "../../config/index.js";
import { callDaemon } from "../../daemon/client.js";
import { UserError } from "../../errors.js";
import { acquireDeployLock } from "../../release/deploy-lock.js";
import { liveRelease, releaseDirectory, type ReleaseRecord } from "../../release/history.js";
import { stackPaths } from "../../util/paths.js";
import { appEnvironment } from "../app-env.js";
import { destinationFile, globalOptions, targetStackName } from "../context.js";
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
        const target = chooseTarget(releases, requested);
        const config = join(releaseDirectory(paths.root, target.id), target.configPath);
        if (!existsSync(config)) throw new UserError(`release ${target.id} is no longer on disk`, { hint: "`berth releases` lists the kept ones" });
        // The same overlays (-f, -d) as the release was deployed with, as that release has them.
        const releaseDir = releaseDirectory(paths.root, target.id);
        const stackRoot = dirname(resolve(global.file));
        const overlays = [
          ...global.overlays.map((file) => join(releaseDir, relative(stackRoot, resolve(file)))),
          ...(global.destination ? [destinationFile(config, global.destination)] : []),
        ];
        const stack = { ...loadStack(config, { env: process.env, overlays, destination: global.destination }), releaseId: target.id };
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

function chooseTarget(releases: ReleaseRecord[], requested: string | undefined): ReleaseRecord {
  if (requested) {
    const found = releases.find((release) => release.id === requested || release.id.startsWith(requested));
    if (!found) throw new UserError(`no release ${requested}`, { hint: "`berth releases` lists the kept ones" });
    if (found.status === "failed") throw new UserError(`release ${found.id} failed to deploy; it cannot be rolled back to`);
    return found;
  }
  const live = liveRelease(releases);
  const candidates = releases
    .filter((release) => release.id !== live?.id && (release.status === "previous" || release.status === "rolled-back"))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (!candidates[0]) throw new UserError("there is no earlier release to roll back to", { hint: "`berth releases` lists the kept ones" });
  return candidates[0];
}
