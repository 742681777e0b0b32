import type { Command } from "commander";
import { Cron } from "croner";
import pc from "picocolors";
import { callDaemon } from "../../daemon/client.js";
import { EXIT_STACK_FAILED, UserError } from "../../errors.js";
import { jobStatePath, readJobStates, type JobStatus } from "../../jobs/job-state.js";
import type { JobOutcome } from "../../jobs/run-job.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, targetStackName } from "../context.js";
import { formatTable, printJson, printLine, printProgress } from "../output.js";

export function registerJobs(program: Command): void {
  const jobs = program.command("jobs").description("the stack's scheduled jobs: last run, status, duration, next run; `berth jobs run NAME` runs one now");
  jobs
    .command("list", { isDefault: true })
    .description("schedule, last run, status, duration and next run of each job (works while the daemon is down)")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const states = readJobStates(jobStatePath(stackPaths(await targetStackName(global)).root)).map((state) => ({ ...state, nextRun: nextRun(state) }));
      if (global.json) return printJson(states);
      if (states.length === 0) return printLine("no jobs (add them under `jobs:` in berth.yml)");
      const rows = states.map((state) => [
        state.name,
        `${state.schedule}${state.timezone === "UTC" ? "" : ` (${state.timezone})`}`,
        state.lastRun ? state.lastRun.startedAt.replace("T", " ").slice(0, 19) : "-",
        colourStatus(state),
        state.lastRun?.durationMs != null ? `${(state.lastRun.durationMs / 1000).toFixed(1)} s` : "-",
        state.nextRun ? state.nextRun.replace("T", " ").slice(0, 19) : "-",
      ]);
      printLine(formatTable(["JOB", "SCHEDULE", "LAST RUN (UTC)", "STATUS", "DURATION", "NEXT RUN (UTC)"], rows));
    });
  jobs
    .command("run")
    .description("run a job now, in the live release with the stack's environment; waits for it and exits non-zero if it fails")
    .argument("<name>", "the job, as named under `jobs:`")
    .action(async (name: string, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await targetStackName(global);
      if (!global.json) printProgress(`running job ${name} (output: berth logs ${name})`);
      const outcome = await callDaemon<JobOutcome>({ op: "job-run", name: stack, job: name }, { onProgress: global.json ? undefined : printProgress });
      if (global.json) printJson(outcome);
      else printLine(`job ${name} ${outcome.status} in ${(outcome.durationMs / 1000).toFixed(1)} s${outcome.reason ? `: ${outcome.reason}` : ""}`);
      if (outcome.status !== "succeeded") {
        throw new UserError(`job ${name} ${outcome.status}`, { exitCode: EXIT_STACK_FAILED, hint: `its output is in \`berth logs ${name}\`` });
      }
    });
}

/** Computed here, not read from the file: the daemon wrote it at the last run, which may be long past. */
function nextRun(state: JobStatus): string | null {
  try {
    const cron = new Cron(state.schedule, { paused: true, timezone: state.timezone });
    const next = cron.nextRun();
    cron.stop();
    return next?.toISOString() ?? null;
  } catch {
    return state.nextRun;
  }
}

function colourStatus(state: JobStatus): string {
  const status = state.lastRun?.status ?? "never run";
  const skipped = state.skipped > 0 ? ` (${state.skipped} skipped)` : "";
  if (status === "failed" || status === "timed-out") return pc.red(status) + skipped;
  if (status === "running") return pc.cyan(status) + skipped;
  return status + skipped;
}
