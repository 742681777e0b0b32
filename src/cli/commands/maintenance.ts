import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import { UserError } from "../../errors.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerMaintenance(program: Command): void {
  program
    .command("maintenance")
    .description("put up (on) or take down (off) the proxy's maintenance page: every request gets 503 with Retry-After, the app keeps running")
    .argument("<on|off>", "on: serve the maintenance page; off: serve the app again")
    .action(async (state: string, _options: unknown, command: Command) => {
      if (state !== "on" && state !== "off") throw new UserError(`berth maintenance takes on or off, not ${JSON.stringify(state)}`, { hint: "write `berth maintenance on` or `berth maintenance off`" });
      const global = globalOptions(command);
      const name = await targetStackName(global);
      await callDaemon({ op: "maintenance", name, on: state === "on" }, { onProgress: global.json ? undefined : printProgress });
      if (global.json) return printJson({ stack: name, maintenance: state === "on" });
      printLine(state === "on" ? `${name}: maintenance page on (503, Retry-After); \`berth maintenance off\` to serve the app again` : `${name}: serving the app again`);
    });
}
