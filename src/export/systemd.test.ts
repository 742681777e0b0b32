import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixtureOptions, loadFixtureStack, publicContents } from "./export-fixture.js";
import { cronToOnCalendar } from "./systemd-calendar.js";
import { findUnknownUnitKeys } from "./systemd-unit-keys.js";
import { exportSystemd, quoteArgument } from "./systemd.js";

describe("exportSystemd", () => {
  const stack = loadFixtureStack();
  const options = fixtureOptions(stack);
  const result = exportSystemd(stack, options);
  const file = (path: string) => result.files.find((candidate) => candidate.path === path)?.content ?? "";

  it("writes a template unit per service whose instances are the replicas' ports", () => {
    const web = file("pixel-web@.service");
    assert.match(web, /^Environment=PORT=%i$/m);
    assert.match(web, /^ExecStart=\/bin\/sh -c "exec gunicorn pixel\.wsgi --bind 127\.0\.0\.1:\$\$PORT --workers 2"$/m);
    assert.match(web, /^Requires=pixel-release\.service$/m);
    assert.match(web, /^After=postgresql\.service redis-server\.service$/m);
    const target = file("pixel.target");
    assert.match(target, /^Wants=pixel-web@8000\.service$/m);
    assert.match(target, /^Wants=pixel-web@8001\.service$/m);
    assert.match(target, /^Wants=pixel-worker@0\.service$/m);
    assert.match(target, /^Wants=pixel-backup\.timer$/m);
    assert.match(file("pixel-worker@.service"), /^After=postgresql\.service redis-server\.service pixel-web@8000\.service pixel-web@8001\.service$/m);
  });

  it("restarts with backoff, stops with the grace period, and sandboxes every unit", () => {
    const worker = file("pixel-worker@.service");
    assert.match(worker, /^Restart=always$/m);
    assert.match(worker, /^RestartSec=1s$/m);
    assert.match(worker, /^StartLimitBurst=5$/m);
    assert.match(worker, /^TimeoutStopSec=30s$/m);
    assert.match(file("pixel-beat@.service"), /^Restart=on-failure$/m);
    for (const unit of ["pixel-web@.service", "pixel-release.service", "pixel-backup.service"]) {
      for (const line of ["DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "EnvironmentFile=/etc/pixel/pixel-secrets.env"]) {
        assert.ok(file(unit).split("\n").includes(line), `${unit} has ${line}`);
      }
    }
    assert.match(file("pixel-web@.service"), /^ReadWritePaths=-.*\/staticfiles -.*\/media$/m);
  });

  it("runs build steps, extensions and release tasks in a oneshot unit, and backups from a timer", () => {
    const release = file("pixel-release.service");
    assert.match(release, /^Type=oneshot$/m);
    assert.match(release, /^RemainAfterExit=yes$/m);
    assert.match(release, /CREATE EXTENSION IF NOT EXISTS/);
    assert.ok(release.indexOf("manage.py migrate") < release.indexOf("manage.py collectstatic"));
    assert.match(file("pixel-backup.timer"), /^OnCalendar=\*-\*-\* 03:30:00$/m);
    assert.match(file("pixel-backup.service"), /pg_dump/);
    assert.match(file("logrotate/pixel"), /size 10485760\n\trotate 5\n\tcompress/);
  });

  it("writes an nginx site for the front proxy", () => {
    const site = file("nginx/pixel.conf");
    assert.match(site, /server 127\.0\.0\.1:8000;\n\tserver 127\.0\.0\.1:8001;/);
    assert.match(site, /location \/static\/ \{\n\t\talias .*\/staticfiles\/;/);
    assert.match(site, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(site, /client_max_body_size 20971520;/);
  });

  it("keeps secrets in the 0600 EnvironmentFile only, and uses no key systemd would ignore", () => {
    assert.equal(result.files.find((candidate) => candidate.path === "pixel-secrets.env")?.secret, true);
    const publicText = publicContents(result.files);
    for (const value of Object.values(options.secrets)) assert.ok(!publicText.includes(value));
    for (const unit of result.files.filter((candidate) => /\.(service|timer|target)$/.test(candidate.path))) assert.deepEqual(findUnknownUnitKeys(unit.content), [], unit.path);
  });
});

describe("findUnknownUnitKeys", () => {
  it("rejects a key systemd would only warn about, and a section berth does not write", () => {
    const problems = findUnknownUnitKeys("[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true\nRestartSteps=5\nProtectSystm=strict\n[Path]\nPathExists=/x\n");
    assert.deepEqual(problems.map((problem) => `${problem.line}:${problem.key}`), ["6:RestartSteps", "7:ProtectSystm", "8:[Path]", "9:PathExists"]);
  });
});

describe("cronToOnCalendar", () => {
  it("says cron schedules the way systemd timers do", () => {
    assert.equal(cronToOnCalendar("0 3 * * *"), "*-*-* 03:00:00");
    assert.equal(cronToOnCalendar("*/15 * * * *"), "*-*-* *:00/15:00");
    assert.equal(cronToOnCalendar("30 2 * * 1-5"), "Mon..Fri *-*-* 02:30:00");
    assert.equal(cronToOnCalendar("0 4 1,15 * *"), "*-*-01,15 04:00:00");
    assert.equal(cronToOnCalendar("@daily"), "daily");
    assert.equal(cronToOnCalendar("0 3 * * MON"), null);
  });
});

describe("quoteArgument", () => {
  it("escapes what systemd would expand or split", () => {
    assert.equal(quoteArgument('echo "$HOME" 100%'), '"echo \\"$$HOME\\" 100%%"');
  });
});
