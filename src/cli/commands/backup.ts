import type { Command } from "commander";
import type { BackupFile } from "../../backing/index.js";
import { callDaemon } from "../../daemon/client.js";
import { globalOptions, targetStackName } from "../context.js";
import { formatBytes, printJson, printLine, printProgress } from "../output.js";

export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description("back up the stack's database (and Redis) into its backups directory, while it keeps serving")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      const files = await callDaemon<BackupFile[]>({ op: "backup", name }, { onProgress: global.json ? undefined : printProgress });
      if (global.json) return printJson(files);
      for (const file of files) printLine(`${file.name}  ${formatBytes(file.sizeBytes)}  ${file.path}`);
    });
}
