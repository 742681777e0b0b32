import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { parseTimeBound, type LineFilter } from "../../logs/index.js";
import { globalOptions, targetStackName } from "../context.js";
import { followSources, printMatchingLogs, printRecentLogs, stackLogSources } from "../log-printer.js";

interface LogsOptions {
  follow?: boolean;
  lines?: string;
  since?: string;
  until?: string;
  grep?: string;
}

const DEFAULT_LINES = 100;

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("show the stack's logs, interleaved by time (all services, or one)")
    .argument("[service]", "a service name, a replica such as web.1, a job, or release")
    .option("-f, --follow", "keep printing new lines until Ctrl+C")
    .option("-n, --lines <count>", `how many recent lines to show (default ${DEFAULT_LINES}; with --since/--until/--grep, all that match)`)
    .option("--since <time>", "only lines from this time on: a duration ago (10m, 2h, 1d) or a date (2026-01-05T03:00:00Z)")
    .option("--until <time>", "only lines up to this time (same forms as --since); not with --follow")
    .option("--grep <pattern>", "only lines matching this regular expression (also while following)")
    .action(async (service: string | undefined, options: LogsOptions, command: Command) => {
      const global = globalOptions(command);
      const count = options.lines === undefined ? undefined : Number(options.lines);
      if (count !== undefined && (!Number.isInteger(count) || count < 0)) throw new UserError(`-n expects a whole number of lines, got "${options.lines}"`);
      const filter = lineFilter(options);
      if (filter.until && options.follow) throw new UserError("--until and --follow do not go together", { hint: "following prints lines as they come; drop one of them" });
      const name = await targetStackName(global);
      const sources = await stackLogSources(name, service);
      if (sources.length === 0) {
        throw new UserError(`no logs for ${service ? `"${service}" in ` : ""}stack ${name}`, {
          hint: "logs appear once the stack has been up; `berth ps` lists its services",
        });
      }
      const json = global.json === true;
      if (filter.since || filter.until || filter.grep) await printMatchingLogs(sources, filter, json, count);
      else await printRecentLogs(sources, count ?? DEFAULT_LINES, json);
      if (!options.follow) return;
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      process.once("SIGTERM", () => controller.abort());
      await followSources(sources, controller.signal, json, () => stackLogSources(name, service), filter.grep);
    });
}

function lineFilter(options: LogsOptions): LineFilter {
  const filter: LineFilter = {};
  for (const key of ["since", "until"] as const) {
    const value = options[key];
    if (value === undefined) continue;
    const bound = parseTimeBound(value);
    if (!bound) throw new UserError(`--${key} expects a duration such as 10m or 2h, or a date such as 2026-01-05T03:00:00Z; got "${value}"`);
    filter[key] = bound;
  }
  if (options.grep !== undefined) {
    try {
      filter.grep = new RegExp(options.grep);
    } catch (error) {
      throw new UserError(`--grep: ${(error as Error).message}`);
    }
  }
  return filter;
}
