import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { berthOk, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { ensureBaseImage, podman, podmanEnv, writeContainersConf } from "../helpers/containers.js";
import { assertSecretsOnlyInSecretFiles, createExportProject } from "../helpers/export-project.js";
import { validateExportDirectory, validateManifest, type Manifest } from "../helpers/kubernetes-schemas.js";
import { freePorts, proxyRequest } from "../helpers/proxy-client.js";

// The stack exported to Kubernetes: every object validates against the Kubernetes API schemas
// (kubernetes-models, offline), and the app's Deployment with its ConfigMap runs under
// `podman kube play` and serves the admin login page.

// Per test process: two copies of the suite at once must not share pods or images.
const STACK = `exportk8s-${process.pid}`;

test("every object of the Kubernetes export validates against the API schemas, for each way to run PostgreSQL", async (t) => {
  const project = createExportProject(t, STACK, "backup: { schedule: \"0 3 * * *\", keep: 3 }\n");
  const home = makeHome(t);
  for (const postgres of ["external", "statefulset", "cloudnative-pg"]) {
    const output = join(tempDir(t, "berth-export-k8s-"), postgres);
    await berthOk(["export", "kubernetes", "--output", output, "--postgres", postgres, "--autoscale", "web=2-6"], { home, cwd: project });
    const kinds = await validateExportDirectory(output);
    const kustomization = parse(readFileSync(join(output, "kustomization.yaml"), "utf8")) as { secretGenerator: { envs: string[] }[] };
    for (const kind of ["Deployment", "Service", "ConfigMap", "Job", "CronJob", "Ingress", "PodDisruptionBudget", "PersistentVolumeClaim", "HorizontalPodAutoscaler"]) assert.ok(kinds.has(kind), `${postgres}: a ${kind}`);
    if (postgres === "statefulset") assert.ok(kinds.has("StatefulSet"));
    if (postgres === "cloudnative-pg") assert.ok(kinds.has("Cluster"));
    assert.deepEqual(kustomization.secretGenerator[0]?.envs, ["secrets.env"]);
    assertSecretsOnlyInSecretFiles(output, ["secrets.env"]);
  }

  // A broken object does fail the validation the test relies on.
  await assert.rejects(validateManifest({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two" } }));
});

test("the app's Deployment with its ConfigMap runs under podman kube play and serves the login page", { timeout: 1_200_000 }, async (t) => {
  const work = tempDir(t, "berth-export-kube-play-");
  const env = podmanEnv(writeContainersConf());
  const base = await ensureBaseImage(env);
  const project = createExportProject(t, STACK);
  const home = makeHome(t);
  const output = join(work, "kubernetes");
  const appImage = `localhost/${STACK}-app:test`;
  await berthOk(["export", "kubernetes", "--output", output, "--image", `app=${appImage}`], { home, cwd: project });
  await podman(["build", "--from", base, "-f", join(output, "Containerfile"), "-t", appImage, project], env, 600_000);
  t.after(() => podman(["rmi", "-f", appImage], env).catch(() => ""));

  // podman 4.3 reads a Secret's values as a JSON podman secret, and runs no Job to wait for: the
  // smoke run gets the Secret's keys as a second ConfigMap, a SQLite database (the login page
  // needs no table), and the Deployment without its wait-for-release init container.
  const deployment = parse(readFileSync(join(output, "deployment-web.yaml"), "utf8")) as Manifest;
  const configMap = parse(readFileSync(join(output, "configmap.yaml"), "utf8")) as Manifest;
  const secretKeys = Object.fromEntries(readFileSync(join(output, "secrets.env"), "utf8").split("\n").filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  const smokeSecrets = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${STACK}-smoke-secrets` }, data: { ...secretKeys, DATABASE_URL: "sqlite:////tmp/db.sqlite3" } };
  const [hostPort = 0] = await freePorts(1);
  // podman kube play starts every replica, each publishing the same host port: one is enough here.
  deployment.spec.replicas = 1;
  const spec = deployment.spec.template.spec;
  delete spec.initContainers;
  delete spec.serviceAccountName;
  const container = spec.containers[0];
  container.envFrom = container.envFrom.map((source: { secretRef?: unknown }) => (source.secretRef ? { configMapRef: { name: smokeSecrets.metadata.name } } : source));
  container.ports = [{ name: "http", containerPort: 8000, hostPort, hostIP: "127.0.0.1" }];
  writeFileSync(join(work, "deployment.yaml"), stringify(deployment));
  writeFileSync(join(work, "configmap.yaml"), stringify(configMap));
  writeFileSync(join(work, "smoke-secrets.yaml"), stringify(smokeSecrets));

  // By the pod's name: the test's directory, with deployment.yaml, is gone when this runs.
  t.after(() => podman(["pod", "rm", "-f", "-t", "2", `${deployment.metadata.name}-pod-0`], env).catch(() => ""));
  await podman(["kube", "play", "--configmap", join(work, "configmap.yaml"), "--configmap", join(work, "smoke-secrets.yaml"), join(work, "deployment.yaml")], env, 300_000);
  const login = await waitFor(async () => {
    const answer = await proxyRequest({ port: hostPort, host: `${STACK}.test`, path: "/admin/login/" });
    return answer.status === 200 ? answer : undefined;
  }, "the login page from the pod", 180_000);
  assert.match(login.text, /Django/);
  const published = (await podman(["ps", "--format", "{{.Ports}}"], env)).split("\n").filter((line) => line.includes(`:${hostPort}->`));
  assert.ok(published.length > 0, "the pod publishes its port");
  for (const line of published) assert.match(line, new RegExp(`^127\\.0\\.0\\.1:${hostPort}->8000/tcp$`), "the pod publishes on 127.0.0.1 only");
});
