import type { Command } from "commander";
import pc from "picocolors";
import { inspectHost } from "../../backing/index.js";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { diskSpace } from "../../util/disk-space.js";
import { formatBytes } from "../../util/format-bytes.js";
import { berthHome, stackPaths } from "../../util/paths.js";
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
      // Low disk does not fail the doctor: berth keeps serving on a full disk (log lines are dropped and counted).
      const disk = diskSpace(existsSync(berthHome()) ? berthHome() : dirname(berthHome()));
      process.exitCode = ok ? 0 : 1;
      if (global.json) return printJson({ stack: stack.name, ok, checks, disk });
      if (checks.length === 0) printLine(`${stack.name} needs nothing beyond berth itself (database: ${stack.database.engine})`);
      for (const check of checks) {
        printLine(`${check.ok ? pc.green("OK  ") : pc.red("FAIL")}  ${check.name}: ${check.detail}`);
        if (!check.ok && check.hint) printLine(`      ${pc.cyan("hint:")} ${check.hint}`);
      }
      if (disk) {
        printLine(`${disk.low ? pc.yellow("LOW ") : pc.green("OK  ")}  disk: ${formatBytes(disk.freeBytes)} free of ${formatBytes(disk.totalBytes)} where berth keeps its data (${disk.path})`);
        if (disk.low) printLine(`      ${pc.cyan("hint:")} when it is full, logs drop lines (counted) and the apps keep serving; free space, or lower logs.max_size / logs.keep and backup.keep`);
      }
    });
}
