import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { globalOptions, targetStackName } from "../context.js";
import { followSources, printRecentLogs, stackLogSources } from "../log-printer.js";

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("show the stack's logs, interleaved by time (all services, or one)")
    .argument("[service]", "a service name, a replica such as web.1, or release")
    .option("-f, --follow", "keep printing new lines until Ctrl+C")
    .option("-n, --lines <count>", "how many recent lines to show", "100")
    .action(async (service: string | undefined, options: { follow?: boolean; lines: string }, command: Command) => {
      const global = globalOptions(command);
      const count = Number(options.lines);
      if (!Number.isInteger(count) || count < 0) throw new UserError(`-n expects a whole number of lines, got "${options.lines}"`);
      const name = await targetStackName(global);
      const sources = await stackLogSources(name, service);
      if (sources.length === 0) {
        throw new UserError(`no logs for ${service ? `"${service}" in ` : ""}stack ${name}`, {
          hint: "logs appear once the stack has been up; `berth ps` lists its services",
        });
      }
      await printRecentLogs(sources, count, global.json === true);
      if (!options.follow) return;
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      process.once("SIGTERM", () => controller.abort());
      await followSources(sources, controller.signal, global.json === true, () => stackLogSources(name, service));
    });
}
