import { Cron } from "croner";
import type { Job } from "../config/operations-types.js";
import type { Stack } from "../config/types.js";
import type { NewStackEvent } from "../events/stack-event.js";
import type { RotatingLogFile } from "../logs/index.js";
import type { Logger } from "../util/logger.js";
import { readJobStates, writeJobStates, type JobRun, type JobStatus } from "./job-state.js";
import { runJobProcess, type JobOutcome } from "./run-job.js";

export interface JobSchedulerOptions {
  /** The live definition: a deploy or rollback switches it, and the next run uses the new release. */
  stack: () => Stack;
  /** Who a run runs as and with which environment: the stack's, as release tasks get it (DATABASE_URL…). */
  launch: (stack: Stack, job: Job) => { user: { uid: number; gid: number } | null; env: Record<string, string> };
  log: (job: string) => RotatingLogFile;
  statePath: string;
  report: (event: Omit<NewStackEvent, "stack">) => void;
  logger: Logger;
}

interface ScheduledJob {
  definition: Job;
  cron: Cron;
  running: Promise<JobOutcome> | null;
  queued: boolean;
  status: JobStatus;
}

/**
 * Runs a stack's `jobs:` on their schedules, one run of a job at a time: a run due while the last one
 * is still going is skipped, or queued (at most one) with `overlap: queue`. Owned by the stack's
 * supervisor; it follows deploys by reading the live stack at every run and by `sync()` at each switch.
 */
export class JobScheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  private readonly stopping = new AbortController();
  private readonly remembered: Map<string, JobStatus>;

  constructor(private readonly options: JobSchedulerOptions) {
    this.remembered = new Map(readJobStates(options.statePath).map((status) => [status.name, status]));
  }

  /** Schedules the live stack's jobs: new ones start, removed ones stop, changed ones take their new schedule. */
  sync(): void {
    const wanted = new Map((this.options.stack().jobs ?? []).map((job) => [job.name, job]));
    for (const [name, scheduled] of this.jobs) {
      const next = wanted.get(name);
      if (!next) {
        scheduled.cron.stop();
        this.jobs.delete(name);
        continue;
      }
      if (!sameSchedule(next, scheduled.definition)) {
        // The same entry, so a run still going under the old schedule still keeps the next from overlapping it.
        scheduled.cron.stop();
        scheduled.cron = new Cron(next.schedule, { timezone: next.timezone }, () => this.due(name));
      }
      scheduled.definition = next;
      Object.assign(scheduled.status, { schedule: next.schedule, timezone: next.timezone, command: next.command });
    }
    for (const [name, definition] of wanted) {
      if (this.jobs.has(name)) continue;
      const status: JobStatus = {
        name,
        schedule: definition.schedule,
        timezone: definition.timezone,
        command: definition.command,
        nextRun: null,
        lastRun: this.remembered.get(name)?.lastRun ?? null,
        skipped: this.remembered.get(name)?.skipped ?? 0,
      };
      const cron = new Cron(definition.schedule, { timezone: definition.timezone }, () => this.due(name));
      this.jobs.set(name, { definition, cron, running: null, queued: false, status });
    }
    this.save();
  }

  /** `berth jobs run NAME`: runs it now (after the current run, if one is going) and resolves with the outcome. */
  async runNow(name: string): Promise<JobOutcome> {
    const scheduled = this.jobs.get(name);
    if (!scheduled) throw new Error(`no job named "${name}"`);
    if (scheduled.running) await scheduled.running.catch(() => {});
    return this.start(scheduled, "manual");
  }

  statuses(): JobStatus[] {
    return [...this.jobs.values()].map((scheduled) => ({ ...scheduled.status, nextRun: nextRunOf(scheduled) }));
  }

  /** Stops scheduling and ends running jobs (the stack stopping); resolves once they are gone. */
  async stop(): Promise<void> {
    for (const scheduled of this.jobs.values()) scheduled.cron.stop();
    this.stopping.abort();
    await Promise.all([...this.jobs.values()].map((scheduled) => scheduled.running?.catch(() => {})));
    this.jobs.clear();
  }

  /** Lets go without ending running jobs (a daemon handing over). */
  detach(): void {
    for (const scheduled of this.jobs.values()) scheduled.cron.stop();
    this.jobs.clear();
  }

  private due(name: string): void {
    const scheduled = this.jobs.get(name);
    if (!scheduled) return;
    if (scheduled.running) {
      const log = this.options.log(name);
      if (scheduled.definition.overlap === "queue") {
        scheduled.queued = true;
        log.writeLine("err", "[berth] run due while the previous one is still going: queued");
      } else {
        scheduled.status.skipped += 1;
        log.writeLine("err", "[berth] run due while the previous one is still going: skipped (overlap: skip)");
        this.save();
      }
      return;
    }
    void this.start(scheduled, "schedule");
  }

  private start(scheduled: ScheduledJob, trigger: JobRun["trigger"]): Promise<JobOutcome> {
    const stack = this.options.stack();
    const definition = scheduled.definition;
    const log = this.options.log(definition.name);
    const startedAt = new Date();
    scheduled.status.lastRun = { startedAt: startedAt.toISOString(), finishedAt: null, status: "running", exitCode: null, durationMs: null, trigger };
    this.save();
    log.writeLine("err", `[berth] job ${definition.name} started (${trigger}, release ${stack.releaseId ?? "working directory"}): ${definition.command}`);
    const { user, env } = this.options.launch(stack, definition);
    const running = runJobProcess({
      command: definition.command,
      cwd: stack.root,
      env,
      user,
      log,
      timeoutMs: definition.timeoutMs,
      signal: this.stopping.signal,
    }).then((outcome) => {
      this.finished(scheduled, startedAt, trigger, outcome);
      return outcome;
    });
    scheduled.running = running;
    return running;
  }

  private finished(scheduled: ScheduledJob, startedAt: Date, trigger: JobRun["trigger"], outcome: JobOutcome): void {
    const name = scheduled.definition.name;
    scheduled.running = null;
    scheduled.status.lastRun = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      status: outcome.status,
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
      trigger,
    };
    this.save();
    const seconds = (outcome.durationMs / 1000).toFixed(1);
    this.options.log(name).writeLine("err", `[berth] job ${name} ${outcome.status} in ${seconds} s${outcome.reason ? `: ${outcome.reason}` : ""}`);
    if (this.stopping.signal.aborted) return;
    if (outcome.status === "succeeded") this.options.report({ kind: "job-succeeded", message: `job ${name} succeeded in ${seconds} s` });
    else this.options.report({ kind: "job-failed", message: `job ${name} ${outcome.status === "timed-out" ? "timed out" : "failed"} after ${seconds} s: ${outcome.reason ?? "unknown"}` });
    if (scheduled.queued && this.jobs.get(name) === scheduled) {
      scheduled.queued = false;
      void this.start(scheduled, "schedule");
    }
  }

  private save(): void {
    try {
      writeJobStates(this.options.statePath, this.statuses());
    } catch (error) {
      this.options.logger.warn("could not write the jobs' state", { file: this.options.statePath, error: (error as Error).message });
    }
  }
}

function sameSchedule(a: Job, b: Job): boolean {
  return a.schedule === b.schedule && a.timezone === b.timezone;
}

function nextRunOf(scheduled: ScheduledJob): string | null {
  return scheduled.cron.nextRun()?.toISOString() ?? null;
}
