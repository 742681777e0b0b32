import pc from "picocolors";
import { followLogs, logFilesFor, readLastLines, readMatchingLines, type LabeledLine, type LineFilter, type LogSource } from "../logs/index.js";
import { stackPaths } from "../util/paths.js";

const PREFIX_COLOURS = [pc.cyan, pc.magenta, pc.green, pc.yellow, pc.blue, pc.red];
const BACKLOG_FOR_ATTACH = 2000;

/** The log files of a stack: every replica's and the release tasks', or those of one service, replica (web.1) or `release`. */
export async function stackLogSources(stackName: string, selector?: string): Promise<LogSource[]> {
  const entries = await logFilesFor(stackPaths(stackName).logs);
  return entries.filter((entry) => !selector || entry.label === selector || entry.service === selector);
}

export function printLogLine(line: LabeledLine, labelWidth: number, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ source: line.label, at: line.at.toISOString(), stream: line.stream, text: line.text }) + "\n");
    return;
  }
  const colour = PREFIX_COLOURS[hash(line.label) % PREFIX_COLOURS.length]!;
  const time = pc.dim(line.at.toISOString().slice(11, 23));
  process.stdout.write(`${colour(line.label.padEnd(labelWidth))} ${pc.dim("|")} ${time} ${line.text}\n`);
}

export async function printRecentLogs(sources: LogSource[], count: number, json: boolean, since?: Date): Promise<void> {
  const width = labelWidth(sources);
  const lines = await readLastLines(sources, count);
  for (const line of lines) if (!since || line.at >= since) printLogLine(line, width, json);
}

/** `--since/--until/--grep`: every kept line that matches, or the last `limit` of them. */
export async function printMatchingLogs(sources: LogSource[], filter: LineFilter, json: boolean, limit?: number): Promise<void> {
  const width = labelWidth(sources);
  for (const line of await readMatchingLines(sources, filter, limit)) printLogLine(line, width, json);
}

/**
 * Prints new lines until `signal` aborts. With `discover`, log files that appear meanwhile (replicas
 * added by `berth scale`) are followed too, from their first line.
 */
export function followSources(sources: LogSource[], signal: AbortSignal, json: boolean, discover?: () => Promise<LogSource[]>, grep?: RegExp): Promise<void> {
  let width = labelWidth(sources);
  const onLine = (line: LabeledLine) => {
    if (grep && !grep.test(line.text)) return;
    width = Math.max(width, line.label.length);
    printLogLine(line, width, json);
  };
  const onGap = (label: string) => process.stderr.write(`[berth] ${label}: fell too far behind the writer; lines of a rotated file may be missing\n`);
  return followLogs(sources, onLine, signal, { discoverSources: discover, onGap });
}

/** What `berth up` shows while attached: everything logged since it started, then new lines until aborted. */
export async function followStackLogs(stackName: string, options: { since: Date; signal: AbortSignal; json: boolean }): Promise<void> {
  const sources = await stackLogSources(stackName);
  await printRecentLogs(sources, BACKLOG_FOR_ATTACH, options.json, options.since);
  await followSources(sources, options.signal, options.json, () => stackLogSources(stackName));
}

function labelWidth(sources: LogSource[]): number {
  return Math.max(0, ...sources.map((source) => source.label.length));
}

function hash(text: string): number {
  let value = 0;
  for (const char of text) value = (value * 31 + char.charCodeAt(0)) >>> 0;
  return value;
}
