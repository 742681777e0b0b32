import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixtureOptions, loadFixtureStack, OPERATIONS_STACK_YML, publicContents } from "./export-fixture.js";
import { exportStack } from "./index.js";
import { findUnknownUnitKeys } from "./systemd-unit-keys.js";
import { exportSystemd } from "./systemd.js";

describe("exportSystemd with jobs, users, log limits and proxy extras", () => {
  const stack = loadFixtureStack(OPERATIONS_STACK_YML);
  const options = fixtureOptions(stack);
  const result = exportSystemd(stack, options);
  const file = (path: string) => result.files.find((candidate) => candidate.path === path)?.content ?? "";

  it("runs each job from a timer in its time zone, stopped past its timeout", () => {
    const service = file("pixel-job-clearsessions.service");
    assert.match(service, /^Type=oneshot$/m);
    assert.match(service, /^ExecStart=\/bin\/sh -c "python3 manage\.py clearsessions"$/m);
    assert.match(service, /^TimeoutStartSec=600s$/m);
    assert.match(service, /^EnvironmentFile=\/etc\/pixel\/pixel-secrets\.env$/m);
    assert.match(file("pixel-job-clearsessions.timer"), /^OnCalendar=\*-\*-\* 03:00:00 Europe\/Paris$/m);
    assert.match(file("pixel-job-send-digest.timer"), /^OnCalendar=\*-\*-\* \*:00\/15:00 UTC$/m);
    assert.match(file("pixel-job-send-digest.service"), /^TimeoutStartSec=infinity$/m);
    assert.match(file("pixel.target"), /^Wants=pixel-job-clearsessions\.timer$/m);
    for (const unit of result.files.filter((candidate) => candidate.path.startsWith("pixel-job-"))) assert.deepEqual(findUnknownUnitKeys(unit.content), [], unit.path);
  });

  it("reports what a timer cannot do: queue a run, or a schedule with seconds", () => {
    assert.match(result.unexpressed.find((item) => item.path.join(".") === "jobs.send-digest.overlap")?.instead ?? "", /skipped, not queued/);
    const everyTenSeconds = loadFixtureStack(`name: tick\nservices:\n  web: { command: "node server.js" }\njobs:\n  tick: { schedule: "*/10 * * * * *", command: "echo tick" }\n`, { "package.json": "{}" });
    const exported = exportSystemd(everyTenSeconds, fixtureOptions(everyTenSeconds));
    assert.match(exported.unexpressed.find((item) => item.path.join(".") === "jobs.tick.schedule")?.instead ?? "", /cannot say/);
    assert.equal(exported.unexpressed.some((item) => item.path.join(".") === "jobs.tick.overlap"), false, "skip is what a timer does");
  });

  it("runs units as berth.yml's user instead of the dynamic user: the service's, else the stack's", () => {
    for (const [unit, user] of [["pixel-web@.service", "pixel"], ["pixel-beat@.service", "pixel-beat"], ["pixel-release.service", "pixel"], ["pixel-job-clearsessions.service", "pixel"]] as const) {
      const lines = file(unit).split("\n");
      assert.ok(lines.includes(`User=${user}`), `${unit} runs as ${user}`);
      assert.ok(!lines.includes("DynamicUser=yes"), `${unit} has no dynamic user`);
    }
  });

  it("rotates by period and age, and the app's own files, in the logrotate file", () => {
    const logrotate = file("logrotate/pixel");
    assert.match(logrotate, /maxsize 10485760\n\trotate 5\n\tcompress\n\tdaily\n\tmaxage 14\n/);
    assert.doesNotMatch(logrotate, /^\tsize /m, "size would override daily");
    assert.match(logrotate, new RegExp(`^${stack.root}/logs/celery\\.log \\{[^}]*copytruncate`, "m"));
    assert.match(logrotate, /logs\/django\.log \{[^}]*postrotate\n\t\tsystemctl kill --kill-whom=main --signal=SIGUSR1 'pixel-web@\*\.service'\n\tendscript/);
  });

  it("writes redirects, basic auth and the stack's own ports into the nginx site", () => {
    const site = file("nginx/pixel.conf");
    assert.match(site, /server_name www\.pixel\.example\.org;\n\treturn 301 https:\/\/pixel\.example\.org\$request_uri;/);
    assert.match(site, /location ~ \^\/old-blog\(\/\.\*\)\?\$ \{\n\t\treturn 308 \/blog\$1\$is_args\$args;/);
    assert.match(site, /^\tserver_name pixel\.example\.org;$/m, "the redirected host is not served by the app's server");
    assert.match(site, /^\tlisten 8902;$/m);
    assert.match(site, /^\tlisten 8903 ssl http2;$/m);
    assert.match(site, /^\tauth_basic_user_file \/etc\/nginx\/pixel\.htpasswd;$/m);
    assert.match(file("nginx/pixel.htpasswd"), /^team:\{SSHA\}[A-Za-z0-9+/]+=*\n$/);
    assert.equal(result.files.find((candidate) => candidate.path === "nginx/pixel.htpasswd")?.secret, true);
    assert.equal(result.files.find((candidate) => candidate.path === "proxy.env")?.secret, true);
  });

  it("keeps the basic auth password out of every public file", () => {
    const password = options.secrets.STAGING_PASSWORD ?? "";
    assert.ok(password.length >= 16);
    assert.ok(!publicContents(result.files).includes(password));
    assert.match(file("proxy.env"), new RegExp(`^STAGING_PASSWORD=${password}$`, "m"));
  });

  it("names each key systemd cannot express at its berth.yml line and column", () => {
    const report = exportStack(stack, "systemd", options, "berth.yml").unexpressed;
    const at = (key: string) => report.find((item) => item.path.join(".") === key)?.location;
    assert.deepEqual([at("alerts")?.line, at("alerts")?.column], [45, 1]);
    assert.deepEqual([at("logs.max_total")?.line, at("logs.max_total")?.column], [25, 62]);
    assert.equal(at("jobs.send-digest.overlap")?.line, 44);
    assert.equal(report.some((item) => item.path.join(".") === "user"), false, "User= expresses it");
  });
});
