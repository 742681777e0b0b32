import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { fixtureOptions, loadFixtureStack, OPERATIONS_STACK_YML, publicContents } from "./export-fixture.js";
import { exportStack } from "./index.js";
import { exportKubernetes } from "./kubernetes.js";

type Manifest = Record<string, any>;

describe("exportKubernetes with jobs, users, log limits and proxy extras", () => {
  const stack = loadFixtureStack(OPERATIONS_STACK_YML);
  const options = fixtureOptions(stack);
  const result = exportKubernetes(stack, options);
  const manifest = (path: string): Manifest => parse(result.files.find((candidate) => candidate.path === path)?.content ?? "null") as Manifest;

  it("makes each job a CronJob in its time zone, never overlapping, stopped past its timeout", () => {
    const cronJob = manifest("job-clearsessions-cronjob.yaml");
    assert.equal(cronJob.metadata.name, "pixel-job-clearsessions");
    assert.equal(cronJob.spec.schedule, "0 3 * * *");
    assert.equal(cronJob.spec.timeZone, "Europe/Paris");
    assert.equal(cronJob.spec.concurrencyPolicy, "Forbid");
    assert.equal(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds, 600);
    assert.equal(cronJob.spec.jobTemplate.spec.backoffLimit, 0);
    const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
    const web = manifest("deployment-web.yaml").spec.template.spec.containers[0];
    assert.equal(container.image, web.image);
    assert.deepEqual(container.envFrom, web.envFrom);
    assert.deepEqual(container.command, ["sh", "-c", "python3 manage.py clearsessions"]);
    assert.equal(manifest("job-send-digest-cronjob.yaml").spec.jobTemplate.spec.activeDeadlineSeconds, undefined);
    assert.ok(manifest("kustomization.yaml").resources.includes("job-send-digest-cronjob.yaml"));
  });

  it("reports a queued overlap and a seconds field, which a CronJob cannot say", () => {
    assert.match(result.unexpressed.find((item) => item.path.join(".") === "jobs.send-digest.overlap")?.instead ?? "", /skipped \(Forbid\)/);
    const everyTenSeconds = loadFixtureStack(`name: tick\nservices:\n  web: { command: "node server.js" }\njobs:\n  tick: { schedule: "*/10 5 * * * *", command: "echo tick" }\n`, { "package.json": "{}" });
    const exported = exportKubernetes(everyTenSeconds, fixtureOptions(everyTenSeconds));
    assert.equal((parse(exported.files.find((file) => file.path === "job-tick-cronjob.yaml")?.content ?? "") as Manifest).spec.schedule, "5 * * * *");
    assert.match(exported.unexpressed.find((item) => item.path.join(".") === "jobs.tick.schedule")?.instead ?? "", /no seconds/);
  });

  it("puts basic auth and the www. redirect on the Ingress, the htpasswd in a 0600 file", () => {
    const ingress = manifest("ingress-ingress.yaml");
    const annotations = ingress.metadata.annotations;
    assert.equal(annotations["nginx.ingress.kubernetes.io/auth-type"], "basic");
    assert.equal(annotations["nginx.ingress.kubernetes.io/auth-secret"], "pixel-basic-auth");
    assert.equal(annotations["nginx.ingress.kubernetes.io/from-to-www-redirect"], "true");
    assert.deepEqual(ingress.spec.rules.map((rule: Manifest) => rule.host), ["pixel.example.org"], "the www. twin is the controller's to redirect");
    assert.deepEqual(ingress.spec.tls[0].hosts, ["pixel.example.org", "www.pixel.example.org"]);
    assert.deepEqual(manifest("kustomization.yaml").secretGenerator[1], { name: "pixel-basic-auth", files: ["auth=basic-auth.htpasswd"], options: { disableNameSuffixHash: true } });
    assert.equal(result.files.find((file) => file.path === "basic-auth.htpasswd")?.secret, true);
    const password = options.secrets.STAGING_PASSWORD ?? "";
    assert.ok(password.length >= 16 && !publicContents(result.files).includes(password));
    assert.match(result.unexpressed.find((item) => item.path.join(".") === "proxy.redirects")?.instead ?? "", /\/old-blog\/ → \/blog\/: ingress-nginx cannot redirect a path prefix/);
  });

  it("gives another host's redirect an Ingress of its own", () => {
    const other = loadFixtureStack(OPERATIONS_STACK_YML.replace("{ from: www.pixel.example.org, to: pixel.example.org }", "{ from: old.example.org, to: pixel.example.org, status: 308 }"));
    const exported = exportKubernetes(other, fixtureOptions(other));
    const redirect = parse(exported.files.find((file) => file.path === "ingress-ingress-redirect-0.yaml")?.content ?? "null") as Manifest;
    assert.equal(redirect.metadata.annotations["nginx.ingress.kubernetes.io/permanent-redirect"], "https://pixel.example.org");
    assert.equal(redirect.metadata.annotations["nginx.ingress.kubernetes.io/permanent-redirect-code"], "308");
    assert.equal(redirect.spec.rules[0].host, "old.example.org");
    assert.match(exported.unexpressed.find((item) => item.path.join(".") === "proxy.redirects")?.instead ?? "", /without its path and query/);
  });

  it("names each key Kubernetes cannot express at its berth.yml line and column", () => {
    const report = exportStack(stack, "kubernetes", options, "berth.yml").unexpressed;
    const at = (key: string) => report.find((item) => item.path.join(".") === key)?.location;
    assert.deepEqual([at("user")?.line, at("user")?.column], [41, 1]);
    assert.deepEqual([at("proxy.listen")?.line, at("proxy.listen")?.column], [39, 3]);
    assert.deepEqual([at("proxy.redirects")?.line, at("proxy.redirects")?.column], [35, 3]);
    assert.equal(at("proxy.hold")?.line, 34);
    assert.equal(report.some((item) => item.path.join(".") === "jobs.clearsessions.timezone"), false, "timeZone expresses it");
  });
});
