import { acceptGlobalOptionsAfterCommands, createProgram, findCommand, formatProgramHelp, scanArguments, suggestCommand, type CommandEntry } from "./command-table.js";

// Wiring only, and lazily: `berth --version`, help and mistyped commands are answered from the
// command table; otherwise commander and the one command module on the line are imported.

const EXIT_USER_ERROR = 1;

process.exitCode = await main(process.argv.slice(2));

async function main(args: string[]): Promise<number> {
  const scanned = scanArguments(args);
  if (scanned.help) return printOut(formatProgramHelp(process.stdout.columns));
  if (scanned.version) return printOut((await import("./version.js")).readBerthVersion() + "\n");
  if (scanned.command === null) {
    if (scanned.unknownOption) return printError(`error: unknown option '${scanned.unknownOption}'\n`);
    // Bare `berth` is a usage error, as in commander and git; asking for help is not.
    return printError(formatProgramHelp(process.stderr.columns));
  }
  if (scanned.command === "help" && scanned.helpTopic === null) return printOut(formatProgramHelp(process.stdout.columns));
  const word = scanned.command === "help" ? scanned.helpTopic! : scanned.command;
  const entry = findCommand(word);
  if (!entry) {
    const suggestion = await suggestCommand(word);
    return printError(`error: unknown command '${word}'${suggestion ? `\n(Did you mean ${suggestion}?)` : ""}\n\`berth --help\` lists the commands.\n`);
  }
  return runCommand(entry, args);
}

async function runCommand(entry: CommandEntry, args: string[]): Promise<number> {
  const [{ CommanderError }, { reportError }, program] = await Promise.all([import("commander"), import("./output.js"), createProgram()]);
  try {
    (await entry.load())(program);
    acceptGlobalOptionsAfterCommands(program);
    await program.parseAsync(args, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USER_ERROR;
    return reportError(error);
  }
}

function printOut(text: string): number {
  process.stdout.write(text);
  return 0;
}

function printError(text: string): number {
  process.stderr.write(text);
  return EXIT_USER_ERROR;
}

