import type { Command } from "commander";
import pc from "picocolors";
import { inspectHost } from "../../backing/index.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printJson, printLine } from "../output.js";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("check that this host has what the stack needs (database and Redis servers, tools for backups)")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      // The daemon starts the servers with its own environment; this checks the CLI's, which
      // starts the daemon when none runs.
      const { checks } = inspectHost(stack, stackPaths(stack.name), process.env);
      const ok = checks.every((check) => check.ok);
      process.exitCode = ok ? 0 : 1;
      if (global.json) return printJson({ stack: stack.name, ok, checks });
      if (checks.length === 0) return printLine(`${stack.name} needs nothing beyond berth itself (database: ${stack.database.engine})`);
      for (const check of checks) {
        printLine(`${check.ok ? pc.green("OK  ") : pc.red("FAIL")}  ${check.name}: ${check.detail}`);
        if (!check.ok && check.hint) printLine(`      ${pc.cyan("hint:")} ${check.hint}`);
      }
    });
}
