import type { Command } from "commander";
import { existsSync, rmSync } from "node:fs";
import { userInfo } from "node:os";
import { join, relative, resolve } from "node:path";
import { durationToMs } from "../../config/index.js";
import { loadStackWithSecrets } from "../../config/load.js";
import { callDaemon } from "../../daemon/client.js";
import { UserError } from "../../errors.js";
import { acquireDeployLock } from "../../release/deploy-lock.js";
import { newReleaseId, releaseDirectory, type DeployOrigin, type ReleaseRecord } from "../../release/history.js";
import type { Stack } from "../../config/types.js";
import { runStep } from "../../release/run-step.js";
import { scrubSecretsFromEnvFiles } from "../../release/scrub-env-files.js";
import { copyBuildOutputs, linkSharedPaths, populateRelease, type ReleaseSource } from "../../release/workspace.js";
import { stackPaths } from "../../util/paths.js";
import { appEnvironment } from "../app-env.js";
import { globalOptions, keepGivenSecrets, loadStackAndFiles, type GlobalOptions } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";
import { oneOffEnv, secretValuesOf } from "../task-env.js";

interface DeployFlags {
  ref?: string;
  path?: string;
  skipBuild?: boolean;
  /** commander's shape for `--no-restart <service...>`: the list when given, else true. */
  restart: string[] | true;
  timeout?: string;
  wait: boolean;
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
    .option("--no-wait", "do not wait for the services restarted after the switch to be ready")
    .action(async (flags: DeployFlags, command: Command) => {
      const global = globalOptions(command);
      const currentLoad = await loadStackAndFiles(global);
      const current = currentLoad.stack;
      if (flags.ref && flags.path) throw new UserError("give --ref or --path, not both");
      const paths = stackPaths(current.name);
      const user = userInfo().username;
      const unlock = acquireDeployLock(paths.root, user);
      const id = newReleaseId();
      const releaseDir = releaseDirectory(paths.root, id);
      const configPath = relative(current.root, current.file);
      const startedAt = Date.now();
      let handedToDaemon = false;
      try {
        const source: ReleaseSource = flags.ref ? { kind: "ref", repository: current.root, ref: flags.ref } : { kind: "path", directory: resolve(flags.path ?? current.root) };
        printProgress(`release ${id}: preparing ${flags.ref ?? flags.path ?? current.root}`);
        const described = populateRelease(source, releaseDir);
        const live = await liveReleaseDirectory(current.name, paths.root);
        // Shared paths not kept yet come from where the stack ran: the working directory, then the live release.
        linkSharedPaths(current.shared, releaseDir, join(paths.root, "shared"), [current.root, ...(live ? [live] : [])]);
        const releaseConfig = join(releaseDir, configPath);
        if (!existsSync(releaseConfig)) throw new UserError(`the release has no ${configPath}`, { hint: "commit berth.yml to the deployed ref or directory" });
        // The overlays (-f, -d) as the release has them, so a destination deploys its own files too.
        const overlays = currentLoad.files.slice(1).map((file) => join(releaseDir, relative(current.root, file)));
        const loaded = loadStackWithSecrets(releaseConfig, { env: process.env, overlays, destination: global.destination });
        const next = { ...loaded.stack, releaseId: id };
        if (next.name !== current.name) throw new UserError(`the release's berth.yml names stack "${next.name}", not "${current.name}"`);
        await keepGivenSecrets(next.name, loaded.givenSecrets);
        scrubSecretsFromEnvFiles(loaded.envFiles, releaseDir, next.secrets);
        if (flags.skipBuild && next.buildOutputs?.length) {
          printProgress(`build skipped: copying ${next.buildOutputs.join(", ")} from ${live ? "the live release" : current.root}`);
          copyBuildOutputs(next.buildOutputs, live ?? current.root, releaseDir);
        }
        const env = oneOffEnv(next);
        const secretValues = secretValuesOf(next);
        for (const hook of next.hooks.preDeploy) await runStep("pre_deploy hook", hook, releaseDir, env, secretValues);
        if (!flags.skipBuild) {
          for (const step of next.build) {
            printProgress(`build: ${step}`);
            await runStep("build step", step, releaseDir, env, secretValues);
          }
        }
        handedToDaemon = true;
        // The daemon records the release, switches, and marks it live in the same state write.
        const result = await callDaemon<{ switched: boolean; pruned: string[] }>(
          {
            op: "deploy",
            stack: next,
            options: {
              release: { id, source: described, createdAt: new Date(startedAt).toISOString(), user, configPath, origin: deployOrigin(current, global, flags) },
              appEnv: appEnvironment(),
              runReleaseTasks: true,
              rollback: false,
              wait: flags.wait,
              noRestart: flags.restart === true ? [] : flags.restart,
              readyTimeoutMs: flags.timeout ? durationToMs(flags.timeout) : undefined,
            },
          },
          { onProgress: global.json ? undefined : printProgress },
        );
        for (const hook of next.hooks.postDeploy) await runStep("post_deploy hook", hook, releaseDir, env, secretValues);
        if (global.json) printJson({ stack: next.name, release: id, switched: result.switched, durationMs: Date.now() - startedAt, pruned: result.pruned });
        else printLine(`${next.name}: release ${id} is live (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      } catch (error) {
        // A release the daemon never recorded (the build failed, or the deploy was cancelled while queued) leaves nothing behind.
        const known = handedToDaemon ? await callDaemon<ReleaseRecord[]>({ op: "releases", name: current.name }).catch(() => null) : [];
        // When the daemon cannot be asked, the directory is kept: pruning removes it later if it is not recorded.
        if (known && !known.some((release) => release.id === id)) rmSync(releaseDir, { recursive: true, force: true });
        throw error;
      } finally {
        unlock();
      }
    });
}

/** This call, recorded with the release, so that "deploy the current source" (dashboard) can make it again. */
function deployOrigin(current: Stack, global: GlobalOptions, flags: DeployFlags): DeployOrigin {
  return {
    directory: current.root,
    files: [resolve(current.file), ...global.overlays.map((file) => resolve(file))],
    ...(global.destination ? { destination: global.destination } : {}),
    source: flags.ref ? { kind: "ref", ref: flags.ref } : { kind: "path", directory: resolve(flags.path ?? current.root) },
  };
}

/** The directory of the release that serves now, if the stack was deployed and the directory is there. */
async function liveReleaseDirectory(stackName: string, stackRoot: string): Promise<string | null> {
  const releases = await callDaemon<ReleaseRecord[]>({ op: "releases", name: stackName }).catch(() => []);
  const live = releases.find((release) => release.status === "live");
  const directory = live ? releaseDirectory(stackRoot, live.id) : null;
  return directory && existsSync(directory) ? directory : null;
}
