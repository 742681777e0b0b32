import type { Command } from "commander";
import { spawn } from "node:child_process";
import { chownSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { constants } from "node:os";
import { UserError } from "../../errors.js";
import type { Stack } from "../../config/types.js";
import { isRoot } from "../../backing/run-as.js";
import { chooseRunAs } from "../../supervisor/run-as-user.js";
import { ensureStackUser, identityEnv, stackUserName } from "../../supervisor/stack-user.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import type { Service } from "../../config/types.js";
import { oneOffEnv, oneOffServiceEnv } from "../task-env.js";

// Exit codes as a shell gives them, so scripts can tell berth's failures from the command's.
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_COMMAND_NOT_FOUND = 127;
const SIGNAL_EXIT_BASE = 128;

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a one-off command with the stack's environment, e.g. berth run python3 manage.py createsuperuser")
    .argument("<command...>")
    .option("--service <name>", "run in this service's cwd with its env (default: the stack's environment, in the web service's cwd)")
    .passThroughOptions()
    .action(async (argv: string[], options: { service?: string }, command: Command) => {
      const stack = await loadStackFromOptions(globalOptions(command));
      const paths = stackPaths(stack.name);
      mkdirSync(paths.data, { recursive: true, mode: 0o700 });
      const service = options.service === undefined ? undefined : serviceNamed(stack, options.service);
      const cwd = (service ?? webService(stack))?.cwd ?? stack.root;
      const env = service ? oneOffServiceEnv(stack, service) : oneOffEnv(stack);
      const identity = oneOffIdentity(stack, argv, env.PATH ?? "/usr/bin:/bin", paths.root, cwd, service?.runAs ?? stack.user);
      const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...env, ...identity.env }, stdio: "inherit", ...identity.ids });
      process.exitCode = await new Promise<number>((resolve, reject) => {
        child.once("error", (error: NodeJS.ErrnoException) => reject(describeSpawnError(error, argv[0]!)));
        child.once("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? signalExitCode(signal) : 1)));
      });
    });
}

function serviceNamed(stack: Stack, name: string): Service {
  const service = stack.services.find((candidate) => candidate.name === name);
  if (!service) throw new UserError(`${stack.name} has no service "${name}"`, { hint: `services: ${stack.services.map((candidate) => candidate.name).join(", ")}` });
  return service;
}

/** The service the proxy routes to first, else the first with a port: where manage.py usually is. */
function webService(stack: Stack): Service | undefined {
  const routed = stack.proxy?.routes[0]?.service;
  return stack.services.find((service) => service.name === routed) ?? stack.services.find((service) => service.port.kind !== "none");
}

/**
 * As root, a one-off command runs as the user the stack's processes would (src/supervisor/run-as-user.ts),
 * so what it creates (a migrated SQLite file, uploaded media) stays theirs.
 */
function oneOffIdentity(stack: Stack, argv: string[], path: string, stackRoot: string, cwd: string, runAs: string | null): { ids: { uid?: number; gid?: number }; env: Record<string, string> } {
  if (!isRoot()) return { ids: {}, env: {} };
  const { user } = chooseRunAs({ name: "run", command: argv.join(" "), cwd, runAs }, () => ensureStackUser(stack.name), path, stackUserName(stack.name), false);
  if (!user) return { ids: {}, env: {} };
  chownSync(join(stackRoot, "data"), user.uid, user.gid);
  return { ids: { uid: user.uid, gid: user.gid }, env: identityEnv(stackRoot, user) };
}

/** 128 + the signal's number, as shells report a command killed by a signal. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return SIGNAL_EXIT_BASE + (constants.signals[signal] ?? 0);
}

function describeSpawnError(error: NodeJS.ErrnoException, program: string): Error {
  if (error.code === "ENOENT") {
    return new UserError(`command not found: ${program}`, {
      exitCode: EXIT_COMMAND_NOT_FOUND,
      hint: "check the spelling, install it, or give the full path to the program",
    });
  }
  if (error.code === "EACCES" || error.code === "EISDIR" || error.code === "ENOEXEC") {
    return new UserError(`cannot execute ${program}: ${error.code === "EISDIR" ? "it is a directory" : "permission denied"}`, {
      exitCode: EXIT_NOT_EXECUTABLE,
      hint: `make it executable (chmod +x ${program}) or run it through its interpreter, e.g. berth run sh ${program}`,
    });
  }
  return error;
}
