import type { Command } from "commander";
import pc from "picocolors";
import { readJournal } from "../../events/event-journal.js";
import type { StackEvent } from "../../events/stack-event.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, targetStackName } from "../context.js";
import { formatTable, printJson, printLine } from "../output.js";

export function registerEvents(program: Command): void {
  program
    .command("events")
    .description("what happened to the stack: crashes, crash loops, health restarts, deploys, backups")
    .option("-n, --tail <count>", "show only the last <count> events", "50")
    .action(async (options: { tail: string }, command: Command) => {
      const global = globalOptions(command);
      const path = stackPaths(await targetStackName(global)).events;
      const count = Math.max(1, Number.parseInt(options.tail, 10) || 50);
      const events = [...readJournal(`${path}.1`), ...readJournal(path)].slice(-count);
      if (global.json) return printJson(events);
      if (events.length === 0) return printLine("no events yet");
      const rows = events.map((event) => [event.at.replace("T", " ").slice(0, 19), colourKind(event), where(event), event.message]);
      printLine(formatTable(["TIME (UTC)", "EVENT", "WHERE", "WHAT"], rows));
    });
}

function where(event: StackEvent): string {
  if (event.service === undefined) return event.release ?? "-";
  return event.replica === undefined ? event.service : `${event.service}.${event.replica}`;
}

function colourKind(event: StackEvent): string {
  if (event.severity === "error") return pc.red(event.kind);
  if (event.severity === "warning") return pc.yellow(event.kind);
  return event.kind;
}
