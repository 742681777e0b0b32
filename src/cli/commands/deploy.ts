import type { Command } from "commander";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join, relative } from "node:path";
import { durationToMs, loadStack } from "../../config/index.js";
import { callDaemon } from "../../daemon/client.js";
import { UserError } from "../../errors.js";
import { acquireDeployLock } from "../../release/deploy-lock.js";
import { markLive, newReleaseId, readHistory, releasesDir, updateRelease, writeHistory } from "../../release/history.js";
import { pruneReleases } from "../../release/prune.js";
import { runStep } from "../../release/run-step.js";
import { linkSharedPaths, populateRelease, type ReleaseSource } from "../../release/workspace.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";
import { oneOffEnv } from "../task-env.js";

interface DeployFlags {
  ref?: string;
  path?: string;
  skipBuild?: boolean;
  /** commander's shape for `--no-restart <service...>`: the list when given, else true. */
  restart: string[] | true;
  timeout?: string;
}

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("build a new release and switch to it with zero downtime; the old release keeps serving if anything fails")
    .option("--ref <ref>", "deploy this git ref (branch, tag or commit) of the repository holding berth.yml")
    .option("--path <dir>", "deploy a copy of this directory (default: the directory of berth.yml)")
    .option("--skip-build", "do not run the build steps")
    .option("--no-restart <service...>", "leave these services running as they are (e.g. a celery worker)")
    .option("--timeout <duration>", "how long new replicas may take to become healthy (default: from their health checks)")
    .action(async (flags: DeployFlags, command: Command) => {
      const global = globalOptions(command);
      const current = await loadStackFromOptions(global);
      if (flags.ref && flags.path) throw new UserError("give --ref or --path, not both");
      const paths = stackPaths(current.name);
      const user = userInfo().username;
      const release = acquireDeployLock(paths.root, user);
      const id = newReleaseId();
      const releaseDir = join(releasesDir(paths.root), id);
      const sourceDir = flags.path ?? current.root;
      const configPath = relative(current.root, current.file);
      const startedAt = Date.now();
      const history = readHistory(paths.root);
      history.releases.push({ id, source: "", createdAt: new Date().toISOString(), user, status: "building", durationMs: null, error: null, pid: process.pid, configPath });
      writeHistory(paths.root, history);
      try {
        const source: ReleaseSource = flags.ref ? { kind: "ref", repository: current.root, ref: flags.ref } : { kind: "path", directory: sourceDir };
        printProgress(`release ${id}: preparing ${flags.ref ?? sourceDir}`);
        const described = populateRelease(source, releaseDir);
        updateRelease(paths.root, id, { source: described });
        linkSharedPaths(current.shared, releaseDir, join(paths.root, "shared"));
        const releaseConfig = join(releaseDir, configPath);
        if (!existsSync(releaseConfig)) throw new UserError(`the release has no ${configPath}`, { hint: "commit berth.yml to the deployed ref or directory" });
        const next = { ...loadStack(releaseConfig, { env: process.env }), releaseId: id };
        if (next.name !== current.name) throw new UserError(`the release's berth.yml names stack "${next.name}", not "${current.name}"`);
        const env = oneOffEnv(next);
        for (const hook of next.hooks.preDeploy) await runStep("pre_deploy hook", hook, releaseDir, env);
        if (!flags.skipBuild) {
          for (const step of next.build) {
            printProgress(`build: ${step}`);
            await runStep("build step", step, releaseDir, env);
          }
        }
        updateRelease(paths.root, id, { status: "deploying" });
        const result = await callDaemon<{ switched: boolean }>(
          {
            op: "deploy",
            stack: next,
            options: {
              runReleaseTasks: true,
              noRestart: flags.restart === true ? [] : flags.restart,
              readyTimeoutMs: flags.timeout ? durationToMs(flags.timeout) : undefined,
            },
          },
          { onProgress: global.json ? undefined : printProgress },
        );
        markLive(paths.root, id, Date.now() - startedAt);
        for (const hook of next.hooks.postDeploy) await runStep("post_deploy hook", hook, releaseDir, env);
        const pruned = pruneReleases(paths.root, next.keepReleases);
        if (global.json) printJson({ stack: next.name, release: id, switched: result.switched, durationMs: Date.now() - startedAt, pruned });
        else printLine(`${next.name}: release ${id} is live (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      } catch (error) {
        updateRelease(paths.root, id, { status: "failed", error: (error as Error).message, durationMs: Date.now() - startedAt, pid: null });
        throw error;
      } finally {
        release();
      }
    });
}
