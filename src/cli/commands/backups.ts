import type { Command } from "commander";
import { backingLayout, listBackups } from "../../backing/index.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, targetStackName } from "../context.js";
import { formatBytes, formatTable, printJson, printLine } from "../output.js";

export function registerBackups(program: Command): void {
  program
    .command("backups")
    .description("list the stack's backups, newest first (works while the stack is down)")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const dir = backingLayout(stackPaths(await targetStackName(global))).backups;
      const backups = await listBackups(dir);
      if (global.json) return printJson(backups);
      if (backups.length === 0) return printLine(`no backups in ${dir}; \`berth backup\` makes one`);
      const rows = backups.map((backup) => [
        backup.name,
        backup.engine,
        backup.kind,
        formatBytes(backup.sizeBytes),
        backup.createdAt.replace("T", " ").slice(0, 19),
      ]);
      printLine(formatTable(["BACKUP", "ENGINE", "KIND", "SIZE", "CREATED (UTC)"], rows));
    });
}
