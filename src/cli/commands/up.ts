import type { Command } from "commander";
import { durationToMs } from "../../config/units.js";
import { callDaemon } from "../../daemon/client.js";
import type { ProcessRow } from "../../daemon/process-rows.js";
import { appEnvironment } from "../app-env.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";
import { followStackLogs } from "../log-printer.js";
import { printProcessTable } from "./ps.js";

interface UpFlags {
  detach?: boolean;
  /** commander's shape for `--no-wait`. */
  wait: boolean;
  timeout?: string;
}

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("start the stack, or apply berth.yml's changes to it (only what changed restarts); returns once every service is ready")
    .option("-d, --detach", "return once the stack is ready and leave it running")
    .option("--no-wait", "return once the processes started, without waiting for them to be ready")
    .option("--timeout <duration>", "how long services may take to become ready (default: from their health checks)")
    .action(async (options: UpFlags, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      const startedAt = new Date();
      // In the foreground, Ctrl+C at any point stops the stack (a start in progress is cancelled first).
      const interrupted = options.detach ? null : stopOnSignal(stack.name);
      const result = await callDaemon<{ changed: boolean; plan: string[] }>(
        { op: "up", stack, options: { appEnv: appEnvironment(), wait: options.wait, readyTimeoutMs: options.timeout ? durationToMs(options.timeout) : undefined } },
        { onProgress: global.json ? undefined : printProgress },
      ).catch(async (error: unknown) => {
        if (interrupted?.signalled()) await interrupted.stopped;
        throw error;
      });
      const rows = await callDaemon<ProcessRow[]>({ op: "ps", name: stack.name });
      if (global.json) printJson({ stack: stack.name, changed: result.changed, plan: result.plan, processes: rows });
      else {
        const state = options.wait ? "is up" : "was started (not waiting for it to be ready)";
        printLine(result.changed ? `${stack.name} ${state}` : `${stack.name} is already up and unchanged`);
        printProcessTable(rows);
      }
      if (!interrupted) return;
      printProgress("attached to logs; Ctrl+C stops the stack");
      await followStackLogs(stack.name, { since: startedAt, signal: interrupted.controller.signal, json: global.json === true });
      await interrupted.stopped;
      printProgress(`${stack.name} stopped`);
    });
}

function stopOnSignal(name: string) {
  const controller = new AbortController();
  let signalled = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      signalled = true;
      printProgress(`stopping ${name}…`);
      controller.abort();
      callDaemon({ op: "down", name, deleteData: false }, { startIfNeeded: false })
        .catch(() => {})
        .finally(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  return { controller, stopped, signalled: () => signalled };
}
