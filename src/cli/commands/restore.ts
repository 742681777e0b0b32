import type { Command } from "commander";
import { resolve } from "node:path";
import { callDaemon } from "../../daemon/client.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerRestore(program: Command): void {
  program
    .command("restore")
    .description("restore a backup: verify its checksum, stop the app's services, restore, start them again")
    .argument("<backup>", "a name from `berth backups`, or a path to a backup file (with its .sha256 beside it)")
    .action(async (backup: string, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      // A bare name is looked up in the stack's backups directory by the daemon; a path is the user's file.
      const target = backup.includes("/") ? resolve(backup) : backup;
      const result = await callDaemon<{ name: string }>(
        { op: "restore", name, backup: target },
        { onProgress: global.json ? undefined : printProgress },
      );
      if (global.json) printJson({ stack: name, restored: result.name });
      else printLine(`restored ${result.name} into ${name}`);
    });
}
