import type { Command } from "commander";
import pc from "picocolors";
import { callDaemon } from "../../daemon/client.js";
import type { ReleaseRecord } from "../../release/history.js";
import { globalOptions, targetStackName } from "../context.js";
import { formatTable, printJson, printLine } from "../output.js";

export function registerReleases(program: Command): void {
  program
    .command("releases")
    .description("list the stack's deploys: id, source, when, who, status, duration")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const releases = await callDaemon<ReleaseRecord[]>({ op: "releases", name: await targetStackName(global) });
      if (global.json) return printJson(releases);
      if (releases.length === 0) return printLine("no releases yet; `berth deploy` makes one");
      const rows = releases.map((release) => [
        release.id,
        colourStatus(release.status),
        release.source,
        release.createdAt.replace("T", " ").slice(0, 19),
        release.user,
        release.durationMs === null ? "-" : `${(release.durationMs / 1000).toFixed(1)}s`,
      ]);
      printLine(formatTable(["RELEASE", "STATUS", "SOURCE", "CREATED (UTC)", "BY", "TOOK"], rows));
      const failed = releases.find((release) => release.status === "failed" && release.error);
      if (failed) printLine(pc.dim(`\n${failed.id} failed: ${failed.error}`));
    });
}

function colourStatus(status: string): string {
  if (status === "live") return pc.green(status);
  if (status === "failed") return pc.red(status);
  return status;
}
