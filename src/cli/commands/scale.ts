import type { Command } from "commander";
import { callDaemon } from "../../daemon/client.js";
import { UserError } from "../../errors.js";
import { MAX_REPLICAS } from "../../config/defaults.js";

const REPLICAS_HINT = "each replica is a whole process on this one server: raise the app's own workers (gunicorn --workers) instead";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerScale(program: Command): void {
  program
    .command("scale")
    .description("set the number of replicas of services, e.g. berth scale web=3 worker=2; returns once the new ones are ready")
    .argument("<service=count...>")
    .action(async (assignments: string[], _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      const targets = assignments.map(parseAssignment);
      await callDaemon({ op: "scale", name, counts: Object.fromEntries(targets.map((t) => [t.service, t.count])) }, { onProgress: global.json ? undefined : printProgress });
      if (global.json) printJson({ stack: name, scaled: Object.fromEntries(targets.map((t) => [t.service, t.count])) });
      else for (const { service, count } of targets) printLine(`${service} now runs ${count} replica${count === 1 ? "" : "s"}`);
    });
}

function parseAssignment(text: string): { service: string; count: number } {
  const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(text);
  if (!match) throw new UserError(`cannot read "${text}"`, { hint: "write service=count, for example web=3" });
  const count = Number(match[2]);
  if (count > MAX_REPLICAS) throw new UserError(`${match[1]}=${count} is more replicas than berth runs (at most ${MAX_REPLICAS})`, { hint: REPLICAS_HINT });
  return { service: match[1]!, count };
}
