import type { Command } from "commander";
import pc from "picocolors";
import { callDaemon, isDaemonRunning } from "../../daemon/client.js";
import type { StackSummary } from "../../daemon/stack-manager.js";
import { globalOptions } from "../context.js";
import { formatTable, printJson, printLine } from "../output.js";

export function registerLs(program: Command): void {
  program
    .command("ls")
    .description("list the stacks this host's daemon runs")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stacks = (await isDaemonRunning()) ? await callDaemon<StackSummary[]>({ op: "ls" }) : [];
      if (global.json) return printJson(stacks);
      if (stacks.length === 0) return printLine("no stacks are up");
      const rows = stacks.map((stack) => [
        stack.name,
        stack.up ? pc.green("up") : pc.dim("down"),
        `${stack.ready}/${stack.replicas}`,
        String(stack.services),
        stack.file,
      ]);
      printLine(formatTable(["STACK", "STATE", "READY", "SERVICES", "FILE"], rows));
    });
}
