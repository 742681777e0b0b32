import * as z from "zod";
import { DEFAULTS } from "./defaults.js";
import { field } from "./field-info.js";
import { DURATION_PATTERN, SIZE_PATTERN, durationToMs } from "./units.js";

// berth.yml keys for running a stack day to day: log rotation (`logs`), scheduled jobs (`jobs`) and
// alerts (`alerts`). Cron and time zone validity are checked in operations-semantic.ts.

export const JOB_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
export const ALERT_KINDS = ["crash-loop", "unhealthy", "deploy-failed", "backup-failed", "job-failed", "certificate-failed", "disk-low"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const size = (key: string, description: string, example: string) =>
  field(z.union([z.string().regex(SIZE_PATTERN), z.number().int().min(1)]), {
    description: `${description} A size such as "10MB" or "512KB", or a number of bytes.`,
    expected: "a size such as 10MB or 512KB, or a number of bytes",
    hint: `write e.g. \`${key}: ${example}\``,
  });

const positiveDuration = (key: string, description: string, example: string) =>
  field(z.union([z.string().regex(DURATION_PATTERN).refine((value) => durationToMs(value) > 0), z.number().positive()]), {
    description: `${description} A duration such as "30s", "10m", "2h", "14d", or a number of seconds.`,
    expected: "a duration greater than zero such as 30s, 10m or 14d",
    hint: `write e.g. \`${key}: ${example}\``,
  });

const appLogFile = field(
  z.union([
    z.string().min(1),
    z.strictObject({
      path: field(z.string().min(1), { description: "The file, relative to the release directory or absolute.", expected: "a file path", hint: "write e.g. `path: logs/django.log`" }),
      service: field(z.string().min(1), { description: "The service whose processes reopen the file when signalled.", expected: "a service name", hint: "write e.g. `service: web`" }),
      signal: field(z.string().regex(/^SIG[A-Z0-9]+$/), {
        description: "The signal that makes the service reopen its log file (e.g. SIGHUP, SIGUSR1).",
        expected: "a signal name such as SIGHUP or SIGUSR1",
        hint: "write e.g. `signal: SIGUSR1`",
      }),
    }),
  ]),
  {
    description: "A file the app writes itself. A plain path is rotated by copy-then-truncate; with `service` and `signal` it is renamed and the service is told to reopen it.",
    expected: "a file path, or a map with path, service and signal",
    hint: "write e.g. `- logs/celery.log` or `- { path: logs/app.log, service: web, signal: SIGUSR1 }`",
  },
);

export const logsSchema = field(
  z.strictObject({
    max_size: field(z.union([z.string().regex(SIZE_PATTERN), z.number().int().min(1)]), {
      description: "Rotate a process's log file when it reaches this size: \"10MB\", \"512KB\" or a number of bytes.",
      default: DEFAULTS.logs.maxSize,
      expected: "a size such as 10MB or 512KB, or a number of bytes",
      hint: "write e.g. `max_size: 10MB`",
    }).optional(),
    keep: field(z.number().int().min(1), {
      description: "How many rotated files to keep per process.",
      default: DEFAULTS.logs.keep,
      expected: "a whole number (1 or more)",
      hint: "write e.g. `keep: 5`",
    }).optional(),
    compress: field(z.boolean(), {
      description: "Gzip rotated files.",
      default: DEFAULTS.logs.compress,
      expected: "true or false",
      hint: "write `compress: true` or `compress: false`",
    }).optional(),
    max_age: positiveDuration("max_age", "Delete rotated files older than this.", "14d").optional(),
    every: field(z.enum(["daily", "weekly"]), {
      description: "Also rotate a log file that is not empty once a day (at midnight UTC) or once a week (Monday 00:00 UTC).",
      expected: "daily or weekly",
      hint: "write `every: daily` or `every: weekly`",
    }).optional(),
    max_total: size("max_total", "The most all of the stack's log files may take together; the oldest rotated files go first.", "500MB").optional(),
    files: field(z.array(appLogFile), {
      description: "Files the app writes itself, rotated under the same policy.",
      expected: "a list of file paths",
      hint: "write e.g. `files: [logs/celery.log]`",
    }).optional(),
  }),
  { description: "Log rotation for every file of the stack.", expected: "a map", hint: "write e.g. `logs: { max_size: 10MB, keep: 5 }`" },
);

const job = field(
  z.strictObject({
    schedule: field(z.string().min(1), {
      description: "When to run: a cron expression (5 fields, or 6 with seconds first), e.g. \"0 3 * * *\".",
      expected: "a cron expression such as \"0 3 * * *\"",
      hint: "write e.g. `schedule: \"0 3 * * *\"` (03:00 every day)",
    }),
    command: field(z.string().min(1), {
      description: "The shell command to run, in the live release's directory with the stack's environment.",
      expected: "a shell command",
      hint: "write e.g. `command: python3 manage.py clearsessions`",
    }),
    timeout: positiveDuration("timeout", "Stop a run (SIGTERM, then SIGKILL) that takes longer than this.", "10m").optional(),
    overlap: field(z.enum(["skip", "queue"]), {
      description: "When a run is due while the previous one is still going: skip it, or queue it to start when the previous ends.",
      default: "skip",
      expected: "skip or queue",
      hint: "write `overlap: skip` or `overlap: queue`",
    }).optional(),
    timezone: field(z.string().min(1), {
      description: "The time zone the schedule is read in (IANA name such as Europe/Paris). Default: UTC.",
      default: "UTC",
      expected: "a time zone name such as UTC or Europe/Paris",
      hint: "write e.g. `timezone: Europe/Paris`",
    }).optional(),
  }),
  { description: "A command run on a schedule.", expected: "a map with schedule and command", hint: "write e.g. `clearsessions: { schedule: \"0 3 * * *\", command: python3 manage.py clearsessions }`" },
);

export const jobsSchema = field(z.record(z.string().regex(JOB_NAME_PATTERN), job), {
  description: "Commands run on a schedule (cron), by name.",
  expected: "a map of jobs",
  hint: "write e.g. `jobs: { clearsessions: { schedule: \"0 3 * * *\", command: python3 manage.py clearsessions } }`",
});

export const alertsSchema = field(
  z.strictObject({
    webhook: field(z.string().regex(/^https?:\/\/\S+$/), {
      description: "The URL events are POSTed to as JSON (with a Slack-compatible `text` field).",
      expected: "an http:// or https:// URL",
      hint: "write e.g. `webhook: https://hooks.slack.com/services/…`",
    }),
    on: field(z.array(z.enum(ALERT_KINDS)), {
      description: `Which events to send. Default: all of ${ALERT_KINDS.join(", ")}.`,
      expected: `a list of ${ALERT_KINDS.join(", ")}`,
      hint: "write e.g. `on: [crash-loop, deploy-failed, backup-failed]`",
    }).optional(),
  }),
  { description: "Where to tell someone that something went wrong.", expected: "a map with `webhook`", hint: "write e.g. `alerts: { webhook: https://example.com/hook }`" },
);
