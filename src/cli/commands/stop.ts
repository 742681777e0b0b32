import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerStop(program: Command): void {
  program
    .command("stop")
    .description("stop services of a running stack, leaving the others running; `berth start` starts them again")
    .argument("<service...>", "service names from berth.yml")
    .action(async (services: string[], _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      await callDaemon({ op: "stop-service", name, services }, { onProgress: global.json ? undefined : printProgress });
      if (global.json) return printJson({ stack: name, stopped: services });
      for (const service of services) printLine(`stopped ${service}`);
    });
}
