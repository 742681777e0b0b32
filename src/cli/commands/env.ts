import type { Command } from "commander";
import { redactEnv } from "../../config/index.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printJson, printLine } from "../output.js";
import { serviceEnvForDisplay } from "../task-env.js";

export function registerEnv(program: Command): void {
  program
    .command("env")
    .description("show the variables berth gives a service (or one-off commands); secrets are redacted")
    .argument("[service]")
    .action(async (service: string | undefined, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      const { env, secrets } = serviceEnvForDisplay(stack, service);
      const shown = redactEnv(env, secrets);
      if (global.json) printJson(shown);
      else for (const key of Object.keys(shown).sort()) printLine(`${key}=${shown[key]}`);
    });
}
