import type { Command } from "commander";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { UserError } from "../../errors.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { oneOffEnv } from "../task-env.js";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a one-off command with the stack's environment, e.g. berth run python3 manage.py createsuperuser")
    .argument("<command...>")
    .passThroughOptions()
    .action(async (argv: string[], _options: unknown, command: Command) => {
      const stack = loadStackFromOptions(globalOptions(command));
      mkdirSync(stackPaths(stack.name).data, { recursive: true, mode: 0o700 });
      const child = spawn(argv[0]!, argv.slice(1), { cwd: stack.root, env: oneOffEnv(stack), stdio: "inherit" });
      const code = await new Promise<number>((resolve, reject) => {
        child.once("error", (error: NodeJS.ErrnoException) =>
          reject(
            error.code === "ENOENT"
              ? new UserError(`command not found: ${argv[0]}`, { hint: "check the spelling, or give the full path to the program" })
              : error,
          ),
        );
        child.once("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + 15 : 1)));
      });
      process.exitCode = code;
    });
}
