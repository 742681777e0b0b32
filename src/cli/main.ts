import { Command, CommanderError } from "commander";
import { registerCa } from "./commands/ca.js";
import { registerDaemon } from "./commands/daemon.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerReleases } from "./commands/releases.js";
import { registerRollback } from "./commands/rollback.js";
import { registerDown } from "./commands/down.js";
import { registerEnv } from "./commands/env.js";
import { registerInit } from "./commands/init.js";
import { registerLogs } from "./commands/logs.js";
import { registerLs } from "./commands/ls.js";
import { registerPs } from "./commands/ps.js";
import { registerRestart } from "./commands/restart.js";
import { registerRun } from "./commands/run.js";
import { registerScale } from "./commands/scale.js";
import { registerUp } from "./commands/up.js";
import { registerBackup } from "./commands/backup.js";
import { registerBackups } from "./commands/backups.js";
import { registerRestore } from "./commands/restore.js";
import { registerDoctor } from "./commands/doctor.js";
import { EXIT_OK, EXIT_USER_ERROR } from "../errors.js";
import { reportError } from "./output.js";

/** Commands that hand the rest of the line to another program, so berth's options must come before them. */
const PASS_THROUGH_COMMANDS = new Set(["run"]);

const program = new Command("berth")
  .description("run a web application's production stack on one server from berth.yml")
  .option("-f, --file <path>", "the stack file", "berth.yml")
  .option("-s, --stack <name>", "act on a running stack by name instead of reading berth.yml")
  .option("--json", "print machine-readable JSON")
  .enablePositionalOptions()
  .showHelpAfterError()
  .exitOverride();

for (const register of [registerInit, registerUp, registerDown, registerPs, registerLogs, registerRestart, registerScale, registerRun, registerEnv, registerLs, registerDeploy, registerRollback, registerReleases, registerCa, registerBackup, registerBackups, registerRestore, registerDoctor, registerDaemon]) {
  register(program);
}
acceptGlobalOptionsAfterCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_USER_ERROR;
  else process.exitCode = reportError(error);
}

/**
 * `berth ps --json` should work as well as `berth --json ps`. Positional options (needed so
 * `berth run cmd --flag` passes --flag on) scope program options to before the command, so each
 * command declares them again, without defaults, so the program's defaults still apply.
 */
function acceptGlobalOptionsAfterCommands(parent: Command): void {
  for (const command of parent.commands) {
    if (PASS_THROUGH_COMMANDS.has(command.name())) continue;
    if (command.commands.length > 0) {
      acceptGlobalOptionsAfterCommands(command);
      continue;
    }
    const shortFlagTaken = (flag: string) => command.options.some((option) => option.short === flag);
    // `logs -f` means follow, as in docker compose; there the stack file is --file only.
    command
      .option(shortFlagTaken("-f") ? "--file <path>" : "-f, --file <path>", "the stack file (default: berth.yml)")
      .option("-s, --stack <name>", "act on a running stack by name")
      .option("--json", "print machine-readable JSON");
  }
}
