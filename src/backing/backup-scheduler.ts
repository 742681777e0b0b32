import { Cron } from "croner";

/** Runs `task` on a cron schedule, one run at a time: a run still going when the next is due skips that one. */
export class BackupScheduler {
  private job: Cron | null = null;

  start(schedule: string, task: () => Promise<void>): void {
    this.stop();
    this.job = new Cron(schedule, { protect: true }, async () => {
      await task();
    });
  }

  stop(): void {
    this.job?.stop();
    this.job = null;
  }
}
