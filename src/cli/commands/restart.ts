import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerRestart(program: Command): void {
  program
    .command("restart")
    .description("restart a service's replicas one at a time, each ready before the next (or every service)")
    .argument("[service]")
    .action(async (service: string | undefined, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      await callDaemon({ op: "restart", name, service }, { onProgress: global.json ? undefined : printProgress });
      if (global.json) printJson({ stack: name, restarted: service ?? "all" });
      else printLine(`restarted ${service ?? "every service"} of ${name}`);
    });
}
