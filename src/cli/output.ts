import pc from "picocolors";
import { EXIT_BUG, formatDiagnostic, UserError } from "../errors.js";
export { formatBytes } from "../util/format-bytes.js";

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

export function printLine(text = ""): void {
  process.stdout.write(text + "\n");
}

export function printProgress(message: string): void {
  process.stderr.write(`${pc.dim("›")} ${message}\n`);
}

/** Renders rows as aligned columns; the header is dimmed. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => visibleLength(row[column] ?? ""))));
  const pad = (cell: string, width: number) => cell + " ".repeat(Math.max(0, width - visibleLength(cell)));
  const render = (cells: string[]) => cells.map((cell, column) => pad(cell, widths[column]!)).join("  ").trimEnd();
  return [pc.dim(render(header)), ...rows.map(render)].join("\n");
}

/** Prints an error the way its family asks: a user error with its fix, a bug with its stack. Returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof UserError) {
    const diagnostics = error.options.diagnostics ?? [];
    process.stderr.write(`${pc.red("error:")} ${error.message}\n`);
    for (const diagnostic of diagnostics) process.stderr.write(`  ${formatDiagnostic(diagnostic)}\n`);
    if (error.options.details) process.stderr.write(`${indent(error.options.details)}\n`);
    if (error.options.hint) process.stderr.write(`${pc.cyan("hint:")} ${error.options.hint}\n`);
    return error.exitCode;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${pc.red("berth crashed:")} ${text}\nThis is a bug in berth; please report it with the command you ran.\n`);
  return EXIT_BUG;
}

const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return text.replace(ANSI_ESCAPE, "").length;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  │ ${line}`)
    .join("\n");
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.floor(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}
