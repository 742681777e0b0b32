import type { Command } from "commander";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { callDaemon, isDaemonRunning, startDaemon, stopDaemon } from "../../daemon/client.js";
import { runDaemon } from "../../daemon/main.js";
import { renderDaemonUnit } from "../../daemon/systemd-unit.js";
import type { ListenerSettings } from "../../proxy/types.js";
import { UserError } from "../../errors.js";
import { berthHome, homePaths } from "../../util/paths.js";
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
      const info = running ? await callDaemon<{ pid: number; version?: string; proxy: ListenerSettings | null }>({ op: "ping" }) : null;
      const status = { running, pid: info?.pid ?? null, version: info?.version ?? null, home: berthHome(), socket: homePaths().socket, log: homePaths().daemonLog, proxy: info?.proxy ?? null };
      if (globalOptions(command).json) printJson(status);
      else printLine(running ? `daemon ${status.version ?? ""} running, pid ${info!.pid}, socket ${status.socket}` : `no daemon running for ${status.home}`);
      if (!globalOptions(command).json && status.proxy) {
        printLine(`proxy on ${status.proxy.address}: http ${status.proxy.httpPort}, https ${status.proxy.httpsPort}, ${status.proxy.workers} workers`);
      }
      if (!running) process.exitCode = 4;
    });

  daemon
    .command("stop")
    .description("stop the daemon; the apps and the proxy keep serving (the next daemon adopts them) unless --all")
    .option("--all", "also stop every stack's processes and the proxy (stacks that were up come back when the daemon starts again)")
    .action(async (options: { all?: boolean }) => {
      const stopped = await stopDaemon(berthHome(), options.all === true);
      if (!stopped) return printLine("no daemon running");
      printLine(options.all ? "daemon stopped, with every stack's processes and the proxy" : "daemon stopped; the apps keep running (`berth daemon stop --all` stops them too)");
    });

  daemon
    .command("restart")
    .description("hand the running stacks over to a new daemon (this CLI's version and host settings) without stopping them")
    .action(async () => {
      await stopDaemon(berthHome(), false);
      await startDaemon(berthHome());
      const { pid } = await callDaemon<{ pid: number }>({ op: "ping" });
      printLine(`daemon restarted, pid ${pid}; the apps kept serving`);
    });

  daemon
    .command("install")
    .description("write a systemd unit so the daemon, and the stacks that were up, start at boot")
    .option("-o, --output <path>", "where to write the unit", DEFAULT_UNIT_PATH)
    .option("--enable", "also run systemctl daemon-reload and enable --now")
    .action(async (options: { output: string; enable?: boolean }) => {
      const unit = renderDaemonUnit({ home: berthHome(), user: userInfo().username, path: process.env.PATH ?? "/usr/bin:/bin" });
      writeFileSync(options.output, unit);
      printLine(`wrote ${options.output}; the daemon reads its host settings from ${homePaths().home}/host.yml`);
      if (!options.enable) return printLine("enable it with: systemctl daemon-reload && systemctl enable --now berth");
      for (const args of [["daemon-reload"], ["enable", "--now", "berth"]]) {
        const result = spawnSync("systemctl", args, { stdio: "inherit" });
        if (result.status !== 0) throw new UserError(`systemctl ${args.join(" ")} failed`, { hint: "is systemd running on this host?" });
      }
    });
}
