import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("start services stopped with `berth stop`")
    .argument("<service...>", "service names from berth.yml")
    .action(async (services: string[], _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      await callDaemon({ op: "start-service", name, services }, { onProgress: global.json ? undefined : printProgress });
      if (global.json) return printJson({ stack: name, started: services });
      for (const service of services) printLine(`started ${service}`);
    });
}
