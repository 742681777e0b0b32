import type { Job } from "../config/operations-types.js";
import type { KubernetesContext, KubernetesObject } from "./kubernetes.js";
import type { Unexpressed } from "./types.js";

// Each berth.yml job as a CronJob running the app's image with the app's environment and volumes.
// berth never runs a job twice at once: `skip` is concurrencyPolicy Forbid. No policy queues a
// run (Allow overlaps, Replace kills the running one), so `queue` is Forbid too, and reported.

export interface AppContainerParts {
  image: string;
  envFrom: unknown[];
  env: unknown[];
  volumeMounts: unknown[];
  volumes: unknown[];
}

export interface JobObjects {
  objects: KubernetesObject[];
  unexpressed: Unexpressed[];
}

export function jobCronJobs(context: KubernetesContext, app: AppContainerParts): JobObjects {
  const result: JobObjects = { objects: [], unexpressed: [] };
  for (const job of context.stack.jobs ?? []) {
    if (job.overlap === "queue") result.unexpressed.push({ path: ["jobs", job.name, "overlap"], instead: "no CronJob concurrencyPolicy queues a run: a run due while the previous one is going is skipped (Forbid)" });
    const schedule = cronJobSchedule(job);
    if (schedule !== job.schedule.trim()) result.unexpressed.push({ path: ["jobs", job.name, "schedule"], instead: `a CronJob schedule has no seconds: "${job.schedule}" runs as "${schedule}"` });
    result.objects.push(cronJob(context, app, job, schedule));
  }
  return result;
}

function cronJob(context: KubernetesContext, app: AppContainerParts, job: Job, schedule: string): KubernetesObject {
  const labels = { ...context.labels, "app.kubernetes.io/component": `job-${job.name}` };
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: `${context.stack.name}-job-${job.name}`, labels },
    spec: {
      schedule,
      timeZone: job.timezone,
      concurrencyPolicy: "Forbid",
      jobTemplate: {
        spec: {
          // berth does not retry a failed run; the next one is at the next schedule.
          backoffLimit: 0,
          ...(job.timeoutMs !== null ? { activeDeadlineSeconds: Math.ceil(job.timeoutMs / 1000) } : {}),
          template: {
            metadata: { labels: { ...labels } },
            spec: {
              restartPolicy: "Never",
              containers: [{ name: "job", image: app.image, command: ["sh", "-c", job.command], envFrom: app.envFrom, env: app.env, volumeMounts: app.volumeMounts }],
              volumes: app.volumes,
            },
          },
        },
      },
    },
  };
}

/** berth takes an optional seconds field first; a CronJob's schedule has five fields at most. */
function cronJobSchedule(job: Job): string {
  const fields = job.schedule.trim().split(/\s+/);
  return fields.length === 6 ? fields.slice(1).join(" ") : job.schedule.trim();
}
