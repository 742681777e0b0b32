// Per-replica log files: written by the daemon, rotated without losing a line, read back by `berth logs`.

export { LineSplitter, MAX_LINE_BYTES, type LineHandler, type LineSplitterOptions } from "./line-splitter.js";
export { logFilesFor, releaseLogPath, replicaLogPath, rotatedLogPath, RELEASE_LABEL, type LogFileEntry } from "./list.js";
export { RotatingLogFile } from "./log-file.js";
export { formatLogLine, parseLogLine, type LabeledLine, type LogLine, type OutputStream } from "./log-line.js";
export { followLogs, readLastLines, FOLLOW_POLL_INTERVAL_MS, type LogSource } from "./tail.js";
export { matchesFilter, readMatchingLines, type LineFilter } from "./read-range.js";
export { parseTimeBound } from "./time-bound.js";
