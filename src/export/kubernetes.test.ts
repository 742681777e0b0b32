import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { fixtureOptions, loadFixtureStack, publicContents } from "./export-fixture.js";
import { exportKubernetes } from "./kubernetes.js";

type Manifest = Record<string, any>;

describe("exportKubernetes", () => {
  const stack = loadFixtureStack();
  const options = fixtureOptions(stack);
  const result = exportKubernetes(stack, options);
  const manifest = (path: string): Manifest => parse(result.files.find((candidate) => candidate.path === path)?.content ?? "null") as Manifest;

  it("lists every manifest in kustomization.yaml and reads secrets through a secretGenerator", () => {
    const kustomization = manifest("kustomization.yaml");
    const yamlFiles = result.files.map((file) => file.path).filter((path) => path.endsWith(".yaml") && path !== "kustomization.yaml");
    assert.deepEqual([...kustomization.resources].sort(), yamlFiles.sort());
    assert.deepEqual(kustomization.secretGenerator[0], { name: "pixel-secrets", envs: ["secrets.env"] });
    assert.equal(result.files.find((file) => file.path === "secrets.env")?.secret, true);
  });

  it("makes a Deployment per service with probes from health:, a singleton as Recreate, a PDB from 2 replicas", () => {
    const web = manifest("deployment-web.yaml");
    const container = web.spec.template.spec.containers[0];
    assert.equal(web.spec.replicas, 2);
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/accounts/login/", port: 8000, httpHeaders: [{ name: "Host", value: "pixel.example.org" }, { name: "X-Forwarded-Proto", value: "https" }] }, "the probe comes as the Ingress forwards, over HTTPS");
    assert.equal(container.livenessProbe.periodSeconds, 2);
    assert.equal(container.startupProbe.failureThreshold, 18);
    assert.equal(web.spec.revisionHistoryLimit, 4);
    assert.equal(manifest("deployment-beat.yaml").spec.strategy.type, "Recreate");
    assert.equal(manifest("pdb-web.yaml").spec.minAvailable, 1);
    assert.ok(!result.files.some((file) => file.path === "pdb-beat.yaml"));
    assert.equal(manifest("service-web.yaml").spec.ports[0].port, 8000);
    assert.equal(manifest("deployment-worker.yaml").spec.template.spec.terminationGracePeriodSeconds, 30);
  });

  it("runs the release tasks as a Job named per release, which the app pods wait for", () => {
    const job = manifest("release-job.yaml");
    assert.match(job.metadata.name, /^pixel-release-[0-9a-f]{8}$/);
    assert.equal(job.spec.template.spec.restartPolicy, "Never");
    const init = manifest("deployment-web.yaml").spec.template.spec.initContainers[0];
    assert.deepEqual(init.command.slice(0, 4), ["kubectl", "wait", "--for=condition=complete", `job/${job.metadata.name}`]);
    assert.deepEqual(manifest("release-wait-role.yaml").rules[0].resourceNames, [job.metadata.name]);
  });

  it("backs up on the schedule with a CronJob, and routes the proxy through an ingress-nginx Ingress with cert-manager for acme", () => {
    assert.equal(manifest("backup-cronjob.yaml").spec.schedule, "30 3 * * *");
    const ingress = manifest("ingress-ingress.yaml");
    assert.equal(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt");
    assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "20971520");
    assert.deepEqual(ingress.spec.tls, [{ hosts: ["pixel.example.org"], secretName: "pixel-tls" }]);
    assert.deepEqual(ingress.spec.rules[0].http.paths.map((path: Manifest) => path.path).sort(), ["/", "/media/", "/static/"]);
  });

  it("provides PostgreSQL as an external URL, a CloudNativePG Cluster or a StatefulSet", () => {
    assert.match(result.files.find((file) => file.path === "secrets.env")?.content ?? "", /^DATABASE_URL=postgres:\/\/USER:PASSWORD@HOST/m);
    const cnpg = exportKubernetes(stack, { ...options, postgres: "cloudnative-pg" });
    const cluster = parse(cnpg.files.find((file) => file.path === "database-cluster.yaml")?.content ?? "") as Manifest;
    assert.equal(cluster.kind, "Cluster");
    assert.deepEqual(cluster.spec.bootstrap.initdb.postInitApplicationSQL, ['CREATE EXTENSION IF NOT EXISTS "pg_trgm";']);
    const web = parse(cnpg.files.find((file) => file.path === "deployment-web.yaml")?.content ?? "") as Manifest;
    assert.deepEqual(web.spec.template.spec.containers[0].env[0], { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "pixel-db-app", key: "uri" } } });
    const statefulSet = exportKubernetes(stack, { ...options, postgres: "statefulset" });
    assert.ok(statefulSet.files.some((file) => file.path === "database-statefulset.yaml"));
    assert.match(statefulSet.files.find((file) => file.path === "secrets.env")?.content ?? "", /^DATABASE_URL=postgres:\/\/pixel:.+@pixel-postgres:5432\/pixel$/m);
  });

  it("adds a HorizontalPodAutoscaler only when asked", () => {
    assert.ok(!result.files.some((file) => file.path.startsWith("hpa-")));
    const scaled = exportKubernetes(stack, { ...options, autoscale: { web: { min: 2, max: 8 } } });
    const hpa = parse(scaled.files.find((file) => file.path === "hpa-web.yaml")?.content ?? "") as Manifest;
    assert.deepEqual([hpa.spec.scaleTargetRef.name, hpa.spec.minReplicas, hpa.spec.maxReplicas], ["pixel-web", 2, 8]);
    const web = parse(scaled.files.find((file) => file.path === "deployment-web.yaml")?.content ?? "") as Manifest;
    assert.equal(web.spec.template.spec.containers[0].resources.requests.cpu, "100m");
  });

  it("writes no secret value into a manifest", () => {
    for (const postgres of ["external", "cloudnative-pg", "statefulset"] as const) {
      const text = publicContents(exportKubernetes(stack, { ...options, postgres }).files);
      for (const value of Object.values(options.secrets)) assert.ok(!text.includes(value), postgres);
    }
  });
});
