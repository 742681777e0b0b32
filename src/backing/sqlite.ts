import { existsSync } from "node:fs";
import { sqliteDatabasePath } from "../config/service-env.js";
import { UserError } from "../errors.js";
import type { EngineContext } from "./engine-context.js";
import { runProgram, toolEnv } from "./run-program.js";

// SQLite through the sqlite3 program's online backup API (`.backup`, `.restore`): a consistent copy
// while the app keeps reading and writing, never a raw copy of a file that may be mid-transaction.

export function sqliteFile(context: EngineContext): string {
  return sqliteDatabasePath(context.stack, context.paths.data);
}

export async function dumpSqlite(context: EngineContext, target: string): Promise<void> {
  const file = sqliteFile(context);
  if (!existsSync(file)) {
    throw new UserError(`there is no SQLite database yet (${file})`, { hint: "it appears once the app (or a release task such as migrate) writes to it" });
  }
  await sqlite3(context, file, `.backup ${dotCommandArgument(target)}`);
}

export async function restoreSqlite(context: EngineContext, backup: string): Promise<void> {
  await sqlite3(context, sqliteFile(context), `.restore ${dotCommandArgument(backup)}`);
}

function sqlite3(context: EngineContext, file: string, command: string): Promise<string> {
  // -bail: a failed backup exits non-zero. .timeout: wait for the app's write transactions instead of failing.
  return runProgram(context.tools.sqlite!.sqlite3, ["-bail", "-cmd", ".timeout 10000", file, command], { env: toolEnv(context.baseEnv), timeoutMs: 30 * 60_000 });
}

/** A double-quoted argument for the sqlite3 shell's dot-commands, which read C-style escapes in it. */
function dotCommandArgument(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
