import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { exportCompose } from "./compose.js";
import { fixtureOptions, loadFixtureStack, OPERATIONS_STACK_YML, publicContents } from "./export-fixture.js";
import { exportStack } from "./index.js";

type ComposeService = Record<string, any>;

describe("exportCompose with jobs, users, log limits and proxy extras", () => {
  const stack = loadFixtureStack(OPERATIONS_STACK_YML);
  const options = fixtureOptions(stack);
  const result = exportCompose(stack, options);
  const file = (path: string) => result.files.find((candidate) => candidate.path === path);
  const services = (parse(file("docker-compose.yml")?.content ?? "") as { services: Record<string, ComposeService> }).services;

  it("makes each job a one-shot service of the app's image, in the jobs profile", () => {
    const job = services["job-clearsessions"];
    assert.deepEqual(job?.profiles, ["jobs"]);
    assert.equal(job?.image, services.web?.image);
    assert.deepEqual(job?.env_file, ["secrets.env"]);
    assert.deepEqual(job?.volumes, services.web?.volumes);
    assert.equal(job?.restart, "no");
    assert.deepEqual(job?.command, ["timeout", "-k", "10s", "600s", "sh", "-c", "python3 manage.py clearsessions"]);
    assert.deepEqual(services["job-send-digest"]?.command, ["sh", "-c", "python3 manage.py send_digest"]);
    assert.equal(services["job-clearsessions"]?.profiles?.includes("default"), false);
  });

  it("gives a crontab line per job, with flock for the overlap policy", () => {
    const lines = result.notes.filter((note) => note.startsWith("  "));
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? "", /^ {2}0 3 \* \* \* cd .*\/export && flock -n \/run\/lock\/pixel-job-clearsessions\.lock docker-compose --profile jobs run --rm job-clearsessions$/);
    assert.match(lines[1] ?? "", /^ {2}\*\/15 \* \* \* \* cd .* && flock \/run\/lock\/pixel-job-send-digest\.lock docker-compose/);
  });

  it("asks for the password before the app, after redirects, in the Caddyfile", () => {
    const caddyfile = file("Caddyfile")?.content ?? "";
    assert.match(caddyfile, /^www\.pixel\.example\.org \{\n\tredir https:\/\/pixel\.example\.org\{uri\} 301\n\}/m);
    assert.match(caddyfile, /^pixel\.example\.org, http:\/\/:8902, pixel\.example\.org:8903 \{$/m);
    assert.match(caddyfile, /@redirect1 path \/old-blog \/old-blog\/\*\n\thandle @redirect1 \{\n\t\troute \{\n\t\t\turi strip_prefix \/old-blog\n\t\t\tredir \* \/blog\{uri\} 308/);
    assert.equal(caddyfile.match(/basicauth \{\n\t\t\tteam \{\$BERTH_BASIC_AUTH_HASH\}/g)?.length, 3, "in both static handles and the app's");
    assert.ok(caddyfile.indexOf("handle @redirect1") < caddyfile.indexOf("basicauth"));
    assert.match(caddyfile, /lb_try_duration 3s/);
  });

  it("publishes the stack's own ports and hashes the password from a 0600 file when the proxy starts", () => {
    const proxy = services.proxy;
    assert.ok(proxy?.ports.includes("${BERTH_PUBLISH_ADDRESS:-0.0.0.0}:8902:8902"));
    assert.ok(proxy?.ports.includes("${BERTH_PUBLISH_ADDRESS:-0.0.0.0}:8903:8903"));
    assert.deepEqual(proxy?.env_file, ["proxy.env"]);
    assert.equal(file("proxy.env")?.secret, true);
    assert.match(proxy?.command[2], /^export BERTH_BASIC_AUTH_HASH="\$\$\(caddy hash-password --plaintext "\$\$STAGING_PASSWORD"\)" && exec caddy run/);
    const password = options.secrets.STAGING_PASSWORD ?? "";
    assert.ok(password.length >= 16 && !publicContents(result.files).includes(password));
    assert.ok(!(file("secrets.env")?.content ?? "").includes(password), "the app does not get the proxy's password");
  });

  it("names each key Compose cannot express at its berth.yml line and column", () => {
    const report = exportStack(stack, "compose", options, "berth.yml").unexpressed;
    const at = (key: string) => report.find((item) => item.path.join(".") === key)?.location;
    assert.deepEqual([at("user")?.line, at("user")?.column], [41, 1]);
    assert.deepEqual([at("services.beat.user")?.line, at("services.beat.user")?.column], [23, 5]);
    assert.deepEqual([at("jobs.clearsessions.timezone")?.line, at("jobs.clearsessions.timezone")?.column], [43, 85]);
    assert.equal(at("logs.every")?.line, 25);
    assert.equal(report.some((item) => item.path[0] === "jobs" && item.path.length < 3), false, "jobs themselves are expressed");
    assert.equal(report.some((item) => item.path.join(".") === "proxy.redirects"), false);
  });
});
