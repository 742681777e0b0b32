import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";
import { followStackLogs } from "../log-printer.js";
import { printProcessTable } from "./ps.js";
import type { ProcessRow } from "../../daemon/stack-manager.js";

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("start the stack (release tasks, then services); stays attached to the logs unless -d")
    .option("-d, --detach", "return once the stack is up and leave it running")
    .action(async (options: { detach?: boolean }, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      const startedAt = new Date();
      const result = await callDaemon<{ changed: boolean }>({ op: "up", stack }, { onProgress: global.json ? undefined : printProgress });
      const rows = await callDaemon<ProcessRow[]>({ op: "ps", name: stack.name });
      if (global.json) printJson({ stack: stack.name, changed: result.changed, processes: rows });
      else {
        printLine(result.changed ? `${stack.name} is up` : `${stack.name} is already up and unchanged`);
        printProcessTable(rows);
      }
      if (options.detach) return;
      printProgress("attached to logs; Ctrl+C stops the stack");
      const controller = new AbortController();
      const stopped = new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          printProgress(`stopping ${stack.name}…`);
          controller.abort();
          callDaemon({ op: "down", name: stack.name, deleteData: false }, { startIfNeeded: false })
            .catch(() => {})
            .finally(resolve);
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      });
      await followStackLogs(stack.name, { since: startedAt, signal: controller.signal, json: global.json === true });
      await stopped;
      printProgress(`${stack.name} stopped`);
    });
}
