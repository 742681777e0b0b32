import type { Stack } from "../config/types.js";
import type { Job } from "../config/operations-types.js";
import { cronToOnCalendar } from "./systemd-calendar.js";
import { afterWants, quoteArgument, unit } from "./systemd.js";
import type { ExportFile, Unexpressed } from "./types.js";

// Each berth.yml job as a oneshot service and the timer that starts it. A timer never starts a
// unit that is still running, which is berth's `overlap: skip`; `queue` has no systemd equivalent.

export interface JobUnitContext {
  stack: Stack;
  environmentFiles: readonly string[];
  sandbox: readonly string[];
  backingUnits: readonly string[];
}

export interface JobUnits {
  files: ExportFile[];
  timers: string[];
  unexpressed: Unexpressed[];
}

export function jobUnits(context: JobUnitContext): JobUnits {
  const result: JobUnits = { files: [], timers: [], unexpressed: [] };
  for (const job of context.stack.jobs ?? []) {
    const unitName = `${context.stack.name}-job-${job.name}`;
    const calendar = cronToOnCalendar(job.schedule);
    if (calendar === null) result.unexpressed.push({ path: ["jobs", job.name, "schedule"], instead: `systemd's OnCalendar= cannot say "${job.schedule}": the timer runs daily; edit OnCalendar= in ${unitName}.timer` });
    if (job.overlap === "queue") result.unexpressed.push({ path: ["jobs", job.name, "overlap"], instead: "a timer does not start a unit that is still running: a run due meanwhile is skipped, not queued" });
    result.files.push(
      { path: `${unitName}.service`, content: jobService(context, job, unitName) },
      {
        path: `${unitName}.timer`,
        content: unit([
          ["Unit", [`Description=${context.stack.name}: job ${job.name} (${job.schedule}, ${job.timezone})`]],
          ["Timer", [`OnCalendar=${calendar ?? "daily"} ${job.timezone}`, `Unit=${unitName}.service`]],
          ["Install", [`WantedBy=${context.stack.name}.target`]],
        ]),
      },
    );
    result.timers.push(`${unitName}.timer`);
  }
  return result;
}

function jobService(context: JobUnitContext, job: Job, unitName: string): string {
  const { stack } = context;
  return unit([
    ["Unit", [`Description=${stack.name}: job ${job.name}`, `After=${stack.name}-release.service`, ...afterWants(context.backingUnits)]],
    ["Service", [
      "Type=oneshot",
      `WorkingDirectory=${stack.root}`,
      ...context.environmentFiles.map((file) => `EnvironmentFile=${file}`),
      `ExecStart=/bin/sh -c ${quoteArgument(job.command)}`,
      // Past the timeout systemd stops the whole cgroup (SIGTERM, then SIGKILL), as berth stops the job's process group.
      `TimeoutStartSec=${job.timeoutMs === null ? "infinity" : `${Math.ceil(job.timeoutMs / 1000)}s`}`,
      ...context.sandbox,
      "StandardOutput=journal",
      "StandardError=journal",
      `SyslogIdentifier=${unitName}`,
    ]],
  ]);
}
