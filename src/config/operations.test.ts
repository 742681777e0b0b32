import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOperations } from "./operations-semantic.js";
import { resolveAlerts, resolveJobs, resolveLogs } from "./resolve-operations.js";

test("logs, jobs and alerts resolve with their defaults and units", () => {
  const logs = resolveLogs({ max_size: "100KB", keep: 3, max_age: "14d", every: "weekly", max_total: "1MB", files: ["logs/celery.log", { path: "app.log", service: "web", signal: "SIGUSR1" }] });
  assert.equal(logs.maxAgeMs, 14 * 86_400_000);
  assert.equal(logs.maxTotalBytes, 1024 * 1024);
  assert.deepEqual(logs.files, [
    { path: "logs/celery.log", reopen: null },
    { path: "app.log", reopen: { service: "web", signal: "SIGUSR1" } },
  ]);
  assert.deepEqual(resolveJobs({ clear: { schedule: "0 3 * * *", command: "true", timeout: "10m" } }), [
    { name: "clear", schedule: "0 3 * * *", command: "true", timeoutMs: 600_000, overlap: "skip", timezone: "UTC" },
  ]);
  assert.equal(resolveAlerts({ webhook: "https://example.com/h" })?.on.length, 7);
  assert.equal(resolveAlerts(undefined), null);
});

test("bad schedules, time zones, job names and log-file services are located problems", () => {
  const problems = checkOperations(
    {
      jobs: { web: { schedule: "0 3 * * *", command: "true" }, tick: { schedule: "61 * * * *", command: "true", timezone: "Mars/Olympus" } },
      logs: { files: [{ path: "a.log", service: "wbe", signal: "SIGHUP" }] },
    },
    ["web"],
  );
  assert.deepEqual(
    problems.map((problem) => problem.path.join(".")),
    ["jobs.web", "jobs.tick.timezone", "jobs.tick.schedule", "logs.files.0.service"],
  );
  assert.match(problems[3]!.hint ?? "", /web/);
});
