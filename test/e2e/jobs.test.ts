import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, berthJson, berthOk, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";

interface JobRow {
  name: string;
  nextRun: string | null;
  skipped: number;
  lastRun: { status: string; durationMs: number | null; startedAt: string; trigger: string } | null;
}

function stackFile(version: string, out: string): string {
  return `name: cron
env:
  APP_VERSION: ${version}
services:
  web:
    command: sleep 3600
jobs:
  tick:
    # Every 2 seconds; each run takes 3: every other one is due while the last still runs.
    schedule: "*/2 * * * * *"
    command: echo "start $APP_VERSION $DATABASE_URL $(pwd)" >> ${out}; sleep 3; echo "end $APP_VERSION" >> ${out}
    overlap: skip
  broken:
    schedule: "0 3 * * *"
    timezone: Europe/Paris
    command: echo about to fail; exit 7
`;
}

test("a job on a seconds schedule runs with DATABASE_URL in the live release, never overlaps itself, shows in berth jobs and keeps running after a deploy", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-jobs-");
  const out = join(tempDir(t, "berth-jobs-out-"), "runs.txt");
  writeFileSync(join(cwd, "berth.yml"), stackFile("v1", out));
  const options = { home, cwd, timeoutMs: 180_000 };
  await berthOk(["deploy"], options);

  const lines = () => (existsSync(out) ? readFileSync(out, "utf8").trim().split("\n") : []);
  await waitFor(() => lines().filter((line) => line.startsWith("end v1")).length >= 2, "two finished runs of v1", 60_000);
  const first = lines()[0] ?? "";
  assert.match(first, /^start v1 sqlite:\/\/\/\S+ \S+/, "DATABASE_URL is given");
  assert.match(first, /\/releases\//, "runs in the live release's directory");

  const rows = await berthJson<JobRow[]>(["jobs"], options);
  const tick = rows.find((row) => row.name === "tick");
  assert.equal(tick?.lastRun?.status === "succeeded" || tick?.lastRun?.status === "running", true, JSON.stringify(tick));
  assert.ok(tick?.nextRun, "next run shown");
  await waitFor(async () => ((await berthJson<JobRow[]>(["jobs"], options)).find((row) => row.name === "tick")?.skipped ?? 0) > 0, "a run skipped because the last one was still going", 30_000);
  const table = (await berthOk(["jobs"], options)).stdout;
  assert.match(table, /tick\s+\*\/2 \* \* \* \* \*/);
  assert.match(table, /broken\s+0 3 \* \* \* \(Europe\/Paris\)\s+-\s+never run/);

  // `berth jobs run`: now, with its status and exit code.
  const failed = await berth(["jobs", "run", "broken"], options);
  assert.equal(failed.code, 3, failed.stderr);
  assert.match(failed.stdout, /job broken failed in [\d.]+ s: exit code 7/);
  const brokenRow = (await berthJson<JobRow[]>(["jobs"], options)).find((row) => row.name === "broken");
  assert.equal(brokenRow?.lastRun?.status, "failed");
  assert.equal(brokenRow?.lastRun?.trigger, "manual");
  assert.match((await berthOk(["logs", "broken"], options)).stdout, /about to fail/);
  const events = await berthJson<{ kind: string; message: string }[]>(["events"], options);
  assert.ok(events.some((event) => event.kind === "job-failed" && /broken.*exit code 7/.test(event.message)), "job-failed is in the journal");
  assert.ok(events.some((event) => event.kind === "job-succeeded" && /tick/.test(event.message)), "job-succeeded is in the journal");

  // A deploy: the schedule goes on, in the new release.
  writeFileSync(join(cwd, "berth.yml"), stackFile("v2", out));
  await berthOk(["deploy"], options);
  await waitFor(() => lines().filter((line) => line.startsWith("end v2")).length >= 2, "two finished runs after the deploy", 60_000);

  // Never two runs at once: every start is followed by its end before the next start.
  let running = false;
  for (const line of lines()) {
    if (line.startsWith("start")) {
      assert.equal(running, false, `a run started while another was going:\n${lines().join("\n")}`);
      running = true;
    } else running = false;
  }
  assert.match((await berthOk(["logs", "tick", "-n", "200"], options)).stdout, /skipped \(overlap: skip\)/);
  await berthOk(["down"], options);
});
