import type { Command } from "commander";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { callDaemon, isDaemonRunning } from "../../daemon/client.js";
import { runDaemon } from "../../daemon/main.js";
import { renderDaemonUnit } from "../../daemon/systemd-unit.js";
import type { ListenerSettings } from "../../proxy/types.js";
import { UserError } from "../../errors.js";
import { berthHome, homePaths } from "../../util/paths.js";
import { isProcessAlive } from "../../util/process-alive.js";
import { globalOptions } from "../context.js";
import { printJson, printLine } from "../output.js";

const DEFAULT_UNIT_PATH = "/etc/systemd/system/berth.service";

export function registerDaemon(program: Command): void {
  const daemon = program.command("daemon").description("the per-host supervisor daemon (started on demand by other commands)");

  daemon
    .command("run")
    .description("run the daemon in the foreground (what the systemd unit does)")
    .action(async () => {
      await runDaemon();
      await new Promise(() => {});
    });

  daemon
    .command("status")
    .description("tell whether the daemon runs, and where")
    .action(async (_options: unknown, command: Command) => {
      const running = await isDaemonRunning();
      const info = running ? await callDaemon<{ pid: number; proxy: ListenerSettings | null }>({ op: "ping" }) : null;
      const status = { running, pid: info?.pid ?? null, home: berthHome(), socket: homePaths().socket, log: homePaths().daemonLog, proxy: info?.proxy ?? null };
      if (globalOptions(command).json) printJson(status);
      else printLine(running ? `daemon running, pid ${info!.pid}, socket ${status.socket}` : `no daemon running for ${status.home}`);
      if (!globalOptions(command).json && status.proxy) {
        printLine(`proxy on ${status.proxy.address}: http ${status.proxy.httpPort}, https ${status.proxy.httpsPort}, ${status.proxy.workers} workers`);
      }
      if (!running) process.exitCode = 4;
    });

  daemon
    .command("stop")
    .description("stop the daemon and the stacks it runs; they come back when it starts again")
    .action(async () => {
      if (!(await isDaemonRunning())) return printLine("no daemon running");
      const { pid } = await callDaemon<{ pid: number }>({ op: "ping" });
      await callDaemon({ op: "shutdown" }, { startIfNeeded: false });
      await waitForExit(pid);
      printLine("daemon stopped");
    });

  daemon
    .command("install")
    .description("write a systemd unit so the daemon, and the stacks that were up, start at boot")
    .option("-o, --output <path>", "where to write the unit", DEFAULT_UNIT_PATH)
    .option("--enable", "also run systemctl daemon-reload and enable --now")
    .action(async (options: { output: string; enable?: boolean }) => {
      const unit = renderDaemonUnit({ home: berthHome(), user: userInfo().username, path: process.env.PATH ?? "/usr/bin:/bin" });
      writeFileSync(options.output, unit);
      printLine(`wrote ${options.output}`);
      if (!options.enable) return printLine("enable it with: systemctl daemon-reload && systemctl enable --now berth");
      for (const args of [["daemon-reload"], ["enable", "--now", "berth"]]) {
        const result = spawnSync("systemctl", args, { stdio: "inherit" });
        if (result.status !== 0) throw new UserError(`systemctl ${args.join(" ")} failed`, { hint: "is systemd running on this host?" });
      }
    });
}

async function waitForExit(pid: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new UserError(`the daemon (pid ${pid}) did not stop within ${timeoutMs / 1000} s`);
}
