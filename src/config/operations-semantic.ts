import { Cron } from "croner";
import { isRecord } from "../util/is-record.js";
import { suggest, type Problem } from "./diagnostics.js";
import { listShort, quoteShort } from "./shorten.js";

/** Jobs' schedules and time zones, and the services `logs.files` and job names refer to. */
export function checkOperations(raw: Record<string, unknown>, serviceNames: string[]): Problem[] {
  return [...checkJobs(raw, serviceNames), ...checkAppLogFiles(raw, serviceNames)];
}

function checkJobs(raw: Record<string, unknown>, serviceNames: string[]): Problem[] {
  if (!isRecord(raw.jobs)) return [];
  const problems: Problem[] = [];
  for (const [name, job] of Object.entries(raw.jobs)) {
    if (serviceNames.includes(name)) {
      problems.push({ path: ["jobs", name], message: `a job cannot have the name of a service (${quoteShort(name)})`, hint: "`berth logs NAME` must say which one it means; rename the job" });
    }
    if (!isRecord(job)) continue;
    const timezone = typeof job.timezone === "string" ? job.timezone : "UTC";
    if (typeof job.timezone === "string" && !isTimeZone(job.timezone)) {
      problems.push({ path: ["jobs", name, "timezone"], message: `unknown time zone ${quoteShort(job.timezone)}`, hint: "write an IANA name such as UTC, Europe/Paris or America/New_York" });
    }
    if (typeof job.schedule === "string") {
      const why = scheduleProblem(job.schedule, isTimeZone(timezone) ? timezone : "UTC");
      if (why) problems.push({ path: ["jobs", name, "schedule"], message: why, hint: "write 5 fields (minute hour day month weekday), e.g. \"0 3 * * *\", or 6 with seconds first" });
    }
  }
  return problems;
}

function checkAppLogFiles(raw: Record<string, unknown>, serviceNames: string[]): Problem[] {
  if (!isRecord(raw.logs) || !Array.isArray(raw.logs.files)) return [];
  return raw.logs.files.flatMap((entry: unknown, index): Problem[] => {
    if (!isRecord(entry) || typeof entry.service !== "string" || serviceNames.includes(entry.service)) return [];
    return [{ path: ["logs", "files", index, "service"], message: `unknown service ${quoteShort(entry.service)}`, hint: suggest(entry.service, serviceNames) ?? `services in this file: ${listShort(serviceNames)}` }];
  });
}

/** Null when `expression` is a cron schedule that runs at all. */
export function scheduleProblem(expression: string, timezone: string): string | null {
  try {
    const cron = new Cron(expression, { paused: true, timezone });
    const next = cron.nextRun();
    cron.stop();
    return next ? null : `the schedule ${quoteShort(expression)} never runs`;
  } catch (error) {
    return `${quoteShort(expression)} is not a cron schedule: ${(error as Error).message}`;
  }
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
