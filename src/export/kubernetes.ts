import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { Stack } from "../config/types.js";
import { APP_DIR, containerCommand, containerPort, pathInImage } from "./container-command.js";
import { CONTAINERFILE, renderContainerfile, renderDockerignore } from "./containerfile.js";
import { renderEnvFile, SECRETS_FILE } from "./export-secrets.js";
import { sharedDirectories } from "./shared-paths.js";
import { databaseObjects, redisObjects } from "./kubernetes-servers.js";
import { ingressObjects } from "./kubernetes-ingress.js";
import { jobCronJobs } from "./kubernetes-jobs.js";
import { probesFor } from "./kubernetes-probes.js";
import { backupCommand, databaseUrls, imageFor } from "./servers.js";
import type { ExportFile, ExportOptions, ExportResult, Unexpressed } from "./types.js";

// The stack as plain manifests and a kustomization.yaml (`kubectl apply -k`): a Deployment per
// service (+ a Service when it listens), the release tasks as a Job named after what it releases,
// which the Deployments' pods wait for, backups as a CronJob, secrets from a 0600 file through a
// secretGenerator, PVCs for SQLite and shared paths, an Ingress for the proxy.

export type KubernetesObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

export interface KubernetesContext {
  stack: Stack;
  options: ExportOptions;
  labels: Record<string, string>;
  secretName: string;
}

export function exportKubernetes(stack: Stack, options: ExportOptions): ExportResult {
  const name = stack.name;
  const unexpressed: Unexpressed[] = [];
  const notes: string[] = [];
  const labels = { "app.kubernetes.io/part-of": name, "app.kubernetes.io/managed-by": "berth-export" };
  const context: KubernetesContext = { stack, options, labels, secretName: `${name}-secrets` };
  const objects: { file: string; object: KubernetesObject }[] = [];
  const add = (file: string, object: KubernetesObject) => objects.push({ file, object });
  const extraFiles: ExportFile[] = [];

  const database = databaseObjects(context);
  for (const object of database.objects) add(`database-${object.kind.toLowerCase()}.yaml`, object);
  notes.push(...database.notes);
  const urls = databaseUrls(stack, options.secrets, { postgres: `${name}-postgres`, mariadb: `${name}-mariadb`, redis: `${name}-redis` });
  if (stack.database.engine === "postgres" && options.postgres !== "statefulset") delete urls.DATABASE_URL;
  if (stack.database.engine === "postgres" && options.postgres === "external") urls.DATABASE_URL = "postgres://USER:PASSWORD@HOST:5432/DATABASE";
  if (stack.redis) for (const object of redisObjects(context)) add(`redis-${object.kind.toLowerCase()}.yaml`, object);

  const secretValues = { ...pick(options.secrets, [...stack.secrets, "POSTGRES_PASSWORD", "MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD", "REDIS_PASSWORD"]), ...urls };
  extraFiles.push({ path: SECRETS_FILE, content: renderEnvFile(secretValues, "Read by kustomize's secretGenerator: keep this file 0600 and out of version control."), secret: true });

  const configMap: KubernetesObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${name}-env`, labels },
    data: { ...stack.env, BERTH_STACK: name, ...(stack.database.engine === "sqlite" ? { DATABASE_URL: "sqlite:////data/db.sqlite3" } : {}) },
  };
  add("configmap.yaml", configMap);

  const volumes: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  if (stack.database.engine === "sqlite") {
    add("pvc-data.yaml", pvc(`${name}-data`, labels, "ReadWriteOnce", "1Gi"));
    volumes.push({ name: "data", persistentVolumeClaim: { claimName: `${name}-data` } });
    mounts.push({ name: "data", mountPath: "/data" });
  }
  const shared = sharedDirectories(stack);
  unexpressed.push(...shared.unexpressed);
  for (const { index, path } of shared.directories) {
    const claim = `${name}-shared-${index}`;
    add(`pvc-shared-${index}.yaml`, pvc(claim, labels, "ReadWriteMany", "1Gi"));
    volumes.push({ name: `shared-${index}`, persistentVolumeClaim: { claimName: claim } });
    mounts.push({ name: `shared-${index}`, mountPath: `${APP_DIR}/${path}` });
  }

  const image = options.images.app ?? `${name}-app:latest`;
  extraFiles.push({ path: CONTAINERFILE, content: renderContainerfile(stack) }, { path: `${CONTAINERFILE}.dockerignore`, content: renderDockerignore() });
  const envFrom = [{ configMapRef: { name: `${name}-env` } }, { secretRef: { name: context.secretName } }];
  const databaseEnv = database.appEnv;

  const releaseJob = stack.release.length > 0 ? `${name}-release-${shortHash([image, ...stack.release].join("\n"))}` : null;
  if (releaseJob) {
    add("release-job.yaml", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: releaseJob, labels: { ...labels, "app.kubernetes.io/component": "release" } },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { ...labels, "app.kubernetes.io/component": "release" } },
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "release", image, command: ["sh", "-c", ["set -e", ...stack.release].join("\n")], envFrom, env: databaseEnv, volumeMounts: mounts }],
            volumes,
          },
        },
      },
    });
    for (const object of releaseWaiterRbac(name, labels, releaseJob)) add(`release-wait-${object.kind.toLowerCase()}.yaml`, object);
  }

  for (const service of stack.services) {
    const port = containerPort(service);
    const workingDir = pathInImage(stack, service.cwd);
    if (workingDir === null) unexpressed.push({ path: ["services", service.name, "cwd"], instead: `${service.cwd} is outside the project, so not in the image: the container runs in ${APP_DIR}` });
    const selector = { "app.kubernetes.io/name": `${name}-${service.name}` };
    const singleton = (service.replicas === 1 && port === null) || stack.database.engine === "sqlite";
    const container = {
      name: service.name,
      image,
      command: ["sh", "-c", containerCommand(service.command)],
      ...(workingDir && workingDir !== APP_DIR ? { workingDir } : {}),
      envFrom,
      env: [
        ...databaseEnv,
        { name: "BERTH_SERVICE", value: service.name },
        ...(port !== null ? [{ name: "PORT", value: String(port) }] : []),
        ...Object.entries(service.env).map(([key, value]) => ({ name: key, value })),
      ],
      ...(port !== null ? { ports: [{ name: "http", containerPort: port }] } : {}),
      ...(service.health ? probesFor(service.health, port) : {}),
      ...(options.autoscale?.[service.name] ? { resources: { requests: { cpu: "100m" } } } : {}),
      volumeMounts: mounts,
    };
    add(`deployment-${service.name}.yaml`, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `${name}-${service.name}`, labels: { ...labels, ...selector } },
      spec: {
        replicas: service.replicas,
        revisionHistoryLimit: stack.keepReleases,
        // One at a time for a singleton (celery beat) and for pods sharing a ReadWriteOnce SQLite volume.
        strategy: singleton ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            ...(releaseJob ? { serviceAccountName: `${name}-release-wait`, initContainers: [waitForJobContainer(releaseJob, stack, options)] } : {}),
            terminationGracePeriodSeconds: Math.ceil(service.stopGraceMs / 1000),
            containers: [container],
            volumes,
          },
        },
      },
    });
    if (port !== null) add(`service-${service.name}.yaml`, serviceFor(`${name}-${service.name}`, labels, selector, port));
    const scale = options.autoscale?.[service.name];
    if (scale) add(`hpa-${service.name}.yaml`, autoscaler(`${name}-${service.name}`, labels, scale));
    if (service.replicas >= 2) {
      add(`pdb-${service.name}.yaml`, {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: `${name}-${service.name}`, labels },
        spec: { minAvailable: 1, selector: { matchLabels: selector } },
      });
    }
  }

  const jobs = jobCronJobs(context, { image, envFrom, env: databaseEnv, volumeMounts: mounts, volumes });
  for (const object of jobs.objects) add(`${object.metadata.name.slice(name.length + 1)}-cronjob.yaml`, object);
  unexpressed.push(...jobs.unexpressed);

  const dump = backupCommand(stack, "/backups");
  if (stack.backup.schedule && dump) {
    add("pvc-backups.yaml", pvc(`${name}-backups`, labels, "ReadWriteOnce", "5Gi"));
    const server = stack.database.engine === "postgres" ? "postgres" : "mariadb";
    add("backup-cronjob.yaml", {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: `${name}-backup`, labels },
      spec: {
        schedule: stack.backup.schedule,
        concurrencyPolicy: "Forbid",
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: "OnFailure",
                containers: [{
                  name: "backup",
                  image: imageFor(server, stack, options),
                  command: ["sh", "-c", dump],
                  envFrom: [{ secretRef: { name: context.secretName } }],
                  env: [
                    { name: "BACKUP_KEEP", value: String(stack.backup.keep) },
                    ...database.backupEnv,
                  ],
                  volumeMounts: [{ name: "backups", mountPath: "/backups" }],
                }],
                volumes: [{ name: "backups", persistentVolumeClaim: { claimName: `${name}-backups` } }],
              },
            },
          },
        },
      },
    });
  } else if (stack.backup.schedule) {
    unexpressed.push({ path: ["backup", "schedule"], instead: "no CronJob for a SQLite file on a ReadWriteOnce volume: back up the `data` PVC with your cluster's volume snapshots" });
  }

  const secretGenerators: Record<string, unknown>[] = [];
  if (stack.proxy) {
    const ingress = ingressObjects(context, stack.proxy);
    // The stack's own Ingress and Issuer keep their file names; a redirect's Ingress is named after it.
    for (const object of ingress.objects) add(`ingress-${object.kind.toLowerCase()}${object.kind === "Ingress" && object.metadata.name !== name ? `-${object.metadata.name.slice(name.length + 1)}` : ""}.yaml`, object);
    extraFiles.push(...ingress.files);
    notes.push(...ingress.notes);
    unexpressed.push(...ingress.unexpressed);
    secretGenerators.push(...ingress.secretGenerators);
  }

  const files: ExportFile[] = objects.map(({ file, object }) => ({ path: file, content: stringify(object, { lineWidth: 0 }) }));
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: objects.map(({ file }) => file),
    secretGenerator: [
      { name: context.secretName, envs: [SECRETS_FILE] },
      ...(stack.proxy?.tls.mode === "files" ? [{ name: `${name}-tls`, type: "kubernetes.io/tls", files: ["tls.crt", "tls.key"] }] : []),
      ...secretGenerators,
    ],
  };
  files.push({ path: "kustomization.yaml", content: `# ${name}, exported by berth from ${stack.file}: kubectl apply -k .\n${stringify(kustomization, { lineWidth: 0 })}` }, ...extraFiles);
  notes.push(options.images.app ? `the app runs from the image ${options.images.app}` : `build and push the app's image, then set it: kustomize edit set image ${name}-app=<registry>/${name}-app:<tag>`, "apply: kubectl apply -k <output>");
  return { files, unexpressed, notes };
}

/** Only when asked (`--autoscale web=2-10`): scales on CPU, so the container requests some. */
function autoscaler(deployment: string, labels: Record<string, string>, scale: { min: number; max: number }): KubernetesObject {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: deployment, labels },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
      minReplicas: scale.min,
      maxReplicas: scale.max,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
    },
  };
}

function waitForJobContainer(job: string, stack: Stack, options: ExportOptions): Record<string, unknown> {
  return {
    name: "wait-for-release",
    image: imageFor("kubectl", stack, options),
    command: ["kubectl", "wait", "--for=condition=complete", `job/${job}`, "--timeout=30m"],
  };
}

/** The pods' init containers may read Jobs, to wait for the release one; nothing more. */
function releaseWaiterRbac(name: string, labels: Record<string, string>, job: string): KubernetesObject[] {
  const account = `${name}-release-wait`;
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: account, labels } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: account, labels }, rules: [{ apiGroups: ["batch"], resources: ["jobs"], resourceNames: [job], verbs: ["get", "list", "watch"] }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: account, labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: account }, subjects: [{ kind: "ServiceAccount", name: account }] },
  ];
}

export function serviceFor(name: string, labels: Record<string, string>, selector: Record<string, string>, port: number): KubernetesObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, labels }, spec: { selector, ports: [{ name: "http", port, targetPort: port }] } };
}

export function pvc(name: string, labels: Record<string, string>, accessMode: string, size: string): KubernetesObject {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, labels }, spec: { accessModes: [accessMode], resources: { requests: { storage: size } } } };
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

function pick(values: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((key) => values[key] !== undefined).map((key) => [key, values[key] as string]));
}
