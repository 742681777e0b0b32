import { Option, type Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../../errors.js";
import { acceptGlobalOptionsAfterCommands, COMMANDS, createProgram, GLOBAL_OPTIONS } from "../command-table.js";
import { renderCompletion, SHELLS, type CompletionCommand, type CompletionOption, type Shell } from "../completion-script.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printLine } from "../output.js";

/** Commands whose arguments are service names of the stack. */
const SERVICE_ARGUMENT_COMMANDS = new Set(["logs", "restart", "env", "stop", "start"]);
const PROGRAM_ARGUMENT_COMMANDS = new Set(["run"]);

export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script for bash, zsh or fish (see docs/cli.md)")
    .argument("[shell]", SHELLS.join(", "))
    .addOption(new Option("--list-services", "print the service names in berth.yml, one a line (what the scripts call)").hideHelp())
    .action(async (shell: string | undefined, options: { listServices?: boolean }, command: Command) => {
      if (options.listServices) return printServiceNames(command);
      if (!shell || !SHELLS.includes(shell as Shell)) {
        throw new UserError(shell ? `no completion for the shell "${shell}"` : "name a shell", { hint: `berth completion ${SHELLS.join("|")}` });
      }
      const commands = await describeCommands();
      process.stdout.write(renderCompletion(shell as Shell, { globalOptions: GLOBAL_OPTIONS.map(parseGlobalOption), commands }));
    });
}

/** Every command with its options, as a user sees them: registered exactly as main.ts does, all at once. */
async function describeCommands(): Promise<CompletionCommand[]> {
  const program = await createProgram();
  for (const entry of COMMANDS) (await entry.load())(program);
  acceptGlobalOptionsAfterCommands(program);
  return program.commands.map(describeCommand);
}

function describeCommand(command: Command): CompletionCommand {
  const name = command.name();
  return {
    names: [name, ...command.aliases()],
    description: command.description(),
    options: command.options.filter((option) => !option.hidden).map((option) => ({
      short: option.short,
      long: option.long,
      description: option.description,
      takesValue: option.required || option.optional,
    })),
    subcommands: command.commands.map(describeCommand),
    argument: SERVICE_ARGUMENT_COMMANDS.has(name) ? "services" : PROGRAM_ARGUMENT_COMMANDS.has(name) ? "program" : "none",
  };
}

function parseGlobalOption(option: { flags: string; description: string }): CompletionOption {
  const parsed = new Option(option.flags, option.description);
  return { short: parsed.short, long: parsed.long, description: option.description, takesValue: parsed.required || parsed.optional };
}

/** Quiet on purpose: a Tab where there is no valid berth.yml offers nothing rather than an error. */
async function printServiceNames(command: Command): Promise<void> {
  const global = globalOptions(command);
  if (!existsSync(resolve(global.file))) return;
  try {
    const stack = await loadStackFromOptions(global);
    for (const service of stack.services) printLine(service.name);
  } catch {
    process.exitCode = 1;
  }
}
