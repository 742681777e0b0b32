import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import type { DashboardAccess } from "../../dashboard/launcher.js";
import { UserError } from "../../errors.js";
import { globalOptions } from "../context.js";
import { printJson, printLine } from "../output.js";

export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("print the web dashboard's address with a one-time login link (the daemon serves it on 127.0.0.1)")
    .option("--port <port>", "the port to serve on when the dashboard is not running yet (0: any free port)")
    .action(async (options: { port?: string }, command: Command) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UserError(`--port expects a port from 0 to 65535, got "${options.port}"`);
      const access = await callDaemon<DashboardAccess>({ op: "dashboard", port });
      if (globalOptions(command).json) return printJson(access);
      printLine(`dashboard: ${access.url}${access.publishedUrl ? ` and ${access.publishedUrl}` : ""}`);
      printLine(`open this link to log in (it works once, until ${access.expiresAt.replace("T", " ").slice(0, 19)} UTC):`);
      printLine(`  ${access.publishedLoginUrl ?? access.loginUrl}`);
      if (access.publishedLoginUrl) printLine(`  or on this server: ${access.loginUrl}`);
      else printLine("from another machine: ssh -L <port>:127.0.0.1:<port> this-server, then open the link with your local port");
    });
}
