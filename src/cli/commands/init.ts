import type { Command } from "commander";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { detectProject, renderBerthYml } from "../../config/index.js";
import { UserError } from "../../errors.js";
import { globalOptions } from "../context.js";
import { printJson, printLine } from "../output.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write a commented berth.yml for the project here (detects Django, Node and Procfile apps)")
    .option("--force", "overwrite an existing berth.yml")
    .action(async (options: { force?: boolean }, command: Command) => {
      const global = globalOptions(command);
      const file = resolve(global.file);
      if (existsSync(file) && !options.force) {
        throw new UserError(`${global.file} already exists`, { hint: "edit it, or pass --force to replace it" });
      }
      const detection = detectProject(dirname(file));
      writeFileSync(file, renderBerthYml(detection));
      if (global.json) printJson({ file, detected: detection.kind, warnings: detection.warnings });
      else {
        for (const warning of detection.warnings) process.stderr.write(`warning: ${warning}\n`);
        printLine(`wrote ${global.file} for a ${detection.kind} project; review it, then run \`berth up\``);
      }
    });
}
