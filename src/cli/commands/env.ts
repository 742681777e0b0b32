import type { Command } from "commander";
import { redactEnv, redactText } from "../../config/index.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printJson, printLine } from "../output.js";
import { secretValuesOf, serviceEnvForDisplay } from "../task-env.js";

export function registerEnv(program: Command): void {
  program
    .command("env")
    .description("show the variables berth gives a service (or one-off commands); secrets are redacted")
    .argument("[service]")
    .action(async (service: string | undefined, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      const { env, secrets } = serviceEnvForDisplay(stack, service);
      // By name, and by value too: a variable that embeds a secret (a URL with a password) is hidden in part.
      const values = secretValuesOf(stack);
      const shown = Object.fromEntries(Object.entries(redactEnv(env, secrets)).map(([name, value]) => [name, redactText(value, values)]));
      if (global.json) printJson(shown);
      else for (const key of Object.keys(shown).sort()) printLine(`${key}=${shown[key]}`);
    });
}
