import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine } from "../output.js";

export function registerDown(program: Command): void {
  program
    .command("down")
    .description("stop every process of the stack; its data is kept unless -v")
    .option("-v, --volumes", "also delete the stack's data (databases, SQLite file, secrets) — cannot be undone")
    .action(async (options: { volumes?: boolean }, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      const result = await callDaemon<{ deletedData: boolean }>({ op: "down", name, deleteData: options.volumes === true });
      if (global.json) printJson({ stack: name, ...result });
      else printLine(`${name} is down${result.deletedData ? "; its data was deleted" : "; its data is kept (down -v deletes it)"}`);
    });
}
