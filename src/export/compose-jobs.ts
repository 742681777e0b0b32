import type { Job } from "../config/operations-types.js";
import type { Stack } from "../config/types.js";
import { escapeDollars, type ComposeService } from "./compose-values.js";

// Each berth.yml job as a one-shot service in the `jobs` profile, so `up` does not start it.
// Compose has no scheduler: the host's cron runs it, with flock for berth's overlap policy.

/** Seconds between the timeout's SIGTERM and its SIGKILL, as berth gives a job past its timeout. */
const KILL_AFTER_SECONDS = 10;

export const JOBS_PROFILE = "jobs";

/** `app`: the image, environment, secrets, volumes and dependencies every app container has. */
export function composeJobServices(stack: Stack, app: ComposeService): Record<string, ComposeService> {
  return Object.fromEntries((stack.jobs ?? []).map((job) => [jobServiceName(job), {
    ...app,
    profiles: [JOBS_PROFILE],
    command: jobCommand(job),
    restart: "no",
  }]));
}

/** The crontab line that runs the job from the export directory. */
export function hostCronLine(stack: Stack, job: Job, outputDirectory: string): string {
  const lock = `/run/lock/${stack.name}-job-${job.name}.lock`;
  // skip: a run due while the previous one holds the lock gives up; queue: it waits for the lock.
  const flock = job.overlap === "skip" ? `flock -n ${lock}` : `flock ${lock}`;
  return `${job.schedule} cd ${outputDirectory} && ${flock} docker-compose --profile ${JOBS_PROFILE} run --rm ${jobServiceName(job)}`;
}

export function jobServiceName(job: Job): string {
  return `job-${job.name}`;
}

function jobCommand(job: Job): string[] {
  const shell = ["sh", "-c", escapeDollars(job.command)];
  if (job.timeoutMs === null) return shell;
  return ["timeout", "-k", `${KILL_AFTER_SECONDS}s`, `${Math.ceil(job.timeoutMs / 1000)}s`, ...shell];
}
