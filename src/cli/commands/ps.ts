import type { Command } from "commander";
import pc from "picocolors";
import { callDaemon } from "../../daemon/client.js";
import type { ProcessRow } from "../../daemon/stack-manager.js";
import { globalOptions, targetStackName } from "../context.js";
import { formatBytes, formatDuration, formatTable, printJson, printLine } from "../output.js";

export function registerPs(program: Command): void {
  program
    .command("ps")
    .alias("status")
    .description("list the stack's replicas: state, health, restarts, uptime, port, cpu, memory")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const rows = await callDaemon<ProcessRow[]>({ op: "ps", name: await targetStackName(global) });
      if (global.json) printJson(rows);
      else printProcessTable(rows);
    });
}

export function printProcessTable(rows: ProcessRow[]): void {
  const header = ["SERVICE", "REPLICA", "PID", "STATE", "HEALTH", "RESTARTS", "UPTIME", "PORT", "CPU", "MEM", "USER"];
  const body = rows.map((row) => [
    row.service,
    String(row.replica),
    row.pid === null ? "-" : String(row.pid),
    colourState(row.status),
    colourHealth(row.health),
    String(row.restarts),
    formatDuration(row.uptimeSeconds),
    row.port === null ? "-" : String(row.port),
    row.cpuPercent === null ? "-" : `${row.cpuPercent.toFixed(1)}%`,
    formatBytes(row.memoryBytes),
    row.user ?? "-",
  ]);
  printLine(formatTable(header, body));
}

function colourState(state: string): string {
  if (state === "running") return pc.green(state);
  if (state === "crash-loop" || state === "exited") return pc.red(state);
  return pc.yellow(state);
}

function colourHealth(health: string): string {
  if (health === "healthy") return pc.green(health);
  if (health === "unhealthy") return pc.red(health);
  return health === "none" ? pc.dim("-") : pc.yellow(health);
}
