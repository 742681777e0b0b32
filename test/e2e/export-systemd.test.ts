import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { findUnknownUnitKeys } from "../../src/export/systemd-unit-keys.js";
import { berth, berthJson, berthOk, makeHome, tempDir } from "../helpers/berth-cli.js";
import { assertSecretsOnlyInSecretFiles, createExportProject, listFiles } from "../helpers/export-project.js";

const run = promisify(execFile);
const STACK = "exportsd";

test("the stack exported to systemd passes systemd-analyze verify, uses no unknown key and keeps secrets in its 0600 file", async (t) => {
  const jobs = "jobs:\n  clearsessions: { schedule: \"0 4 * * 1-5\", command: python3 manage.py clearsessions, timezone: Europe/Paris, timeout: 10m }\n";
  const project = createExportProject(t, STACK, `backup: { schedule: "0 3 * * *", keep: 3 }\n${jobs}`);
  const home = makeHome(t);
  const output = join(tempDir(t, "berth-export-systemd-"), "units");
  const result = await berthOk(["export", "systemd", "--output", output], { home, cwd: project });

  const files = listFiles(output);
  const units = files.filter((file) => /\.(service|timer|target)$/.test(file));
  assert.deepEqual(units.sort(), [
    `${STACK}-backup.service`, `${STACK}-backup.timer`, `${STACK}-beat@.service`, `${STACK}-release.service`,
    `${STACK}-web@.service`, `${STACK}-worker@.service`, `${STACK}.target`,
    `${STACK}-job-clearsessions.service`, `${STACK}-job-clearsessions.timer`,
  ].sort());
  assert.match(readFileSync(join(output, `${STACK}-job-clearsessions.timer`), "utf8"), /^OnCalendar=Mon\.\.Fri \*-\*-\* 04:00:00 Europe\/Paris$/m);
  // A template is verified through one of its instances, as systemd loads it.
  const target = readFileSync(join(output, `${STACK}.target`), "utf8");
  const instances = [...target.matchAll(/^Wants=(.+@.+\.service)$/gm)].map((match) => match[1] ?? "");
  assert.deepEqual(instances, [`${STACK}-web@8000.service`, `${STACK}-web@8001.service`, `${STACK}-worker@0.service`, `${STACK}-beat@0.service`]);
  const toVerify = [...units.filter((unit) => !unit.includes("@")), ...instances].map((unit) => join(output, unit));
  const verify = await run("systemd-analyze", ["verify", ...toVerify], { cwd: output }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
  );
  assert.equal(verify.code, 0, verify.output);
  assert.equal(verify.output.trim(), "", "systemd-analyze verify has no warning");

  for (const unit of units) assert.deepEqual(findUnknownUnitKeys(readFileSync(join(output, unit), "utf8")), [], unit);
  assertSecretsOnlyInSecretFiles(output, [`${STACK}-secrets.env`]);
  assert.match(readFileSync(join(output, `logrotate/${STACK}`), "utf8"), new RegExp(`/var/log/${STACK}/\\*\\.log`));
  assert.match(readFileSync(join(output, `nginx/${STACK}.conf`), "utf8"), /server 127\.0\.0\.1:8001;/);

  // The health check cannot be said in systemd: reported at its line and column, and --strict refuses.
  assert.match(result.stdout, /berth\.yml:14:5 services\.web\.health: not expressed: systemd has no health probes/);
  const strictOutput = join(output, "..", "strict");
  const strict = await berth(["export", "systemd", "--output", strictOutput, "--strict"], { home, cwd: project });
  assert.equal(strict.code, 1);
  assert.equal(existsSync(strictOutput), false, "--strict writes nothing");
  assert.match(strict.stderr, /berth\.yml:14:5 services\.web\.health/);

  // Exporting again keeps the secret values already there: a running database keeps its password.
  const secretsBefore = readFileSync(join(output, `${STACK}-secrets.env`), "utf8");
  const report = await berthJson<{ files: string[]; unexpressed: { key: string; location: { line: number; column: number } | null; instead: string }[] }>(["export", "systemd", "--output", output], { home, cwd: project });
  assert.ok(report.files.includes(`${STACK}.target`));
  assert.equal(readFileSync(join(output, `${STACK}-secrets.env`), "utf8"), secretsBefore);
  assert.deepEqual(report.unexpressed.find((item) => item.key === "services.web.health")?.location, { file: "berth.yml", line: 14, column: 5 });
  assertSecretsOnlyInSecretFiles(output, [`${STACK}-secrets.env`]);

  const unknown = await berth(["export", "nomad"], { home, cwd: project });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown export target "nomad"/);
  assert.match(unknown.stderr, /compose, kubernetes, systemd/);
});
