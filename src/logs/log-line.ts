// The on-disk format of one log line: `<ISO-8601 timestamp> <out|err> <text>`.

export type OutputStream = "out" | "err";

export interface LogLine {
  at: Date;
  stream: OutputStream;
  text: string;
}

export interface LabeledLine extends LogLine {
  /** Which log the line came from, e.g. `web.1` or `release`. */
  label: string;
}

const LOG_LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) (out|err)(?: (.*))?$/s;
const LINE_BREAKS = /\r\n|\r|\n/g;

/** Formats one line, newline included. Line breaks inside `text` become spaces so one call is always one line. */
export function formatLogLine(stream: OutputStream, text: string, at: Date): string {
  return `${at.toISOString()} ${stream} ${text.replace(LINE_BREAKS, " ")}\n`;
}

export function parseLogLine(raw: string): LogLine | null {
  const match = LOG_LINE.exec(stripLineEnding(raw));
  if (!match) return null;
  const at = new Date(match[1] ?? "");
  if (Number.isNaN(at.getTime())) return null;
  return { at, stream: match[2] as OutputStream, text: match[3] ?? "" };
}

function stripLineEnding(raw: string): string {
  if (raw.endsWith("\r\n")) return raw.slice(0, -2);
  if (raw.endsWith("\n")) return raw.slice(0, -1);
  return raw;
}
