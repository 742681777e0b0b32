import { relative } from "node:path";
import { stringify } from "yaml";
import type { Service, Stack } from "../config/types.js";
import { BASIC_AUTH_HASH_VARIABLE, renderCaddyfile, PROXY_CERT_DIR, type StaticMount } from "./caddyfile.js";
import { APP_DIR, containerCommand, containerPort, healthProbeCommand, pathInImage, projectKind } from "./container-command.js";
import { CONTAINERFILE, renderContainerfile, renderDockerignore } from "./containerfile.js";
import { PROXY_SECRETS_FILE, renderEnvFile, SECRETS_FILE } from "./export-secrets.js";
import { sharedDirectories } from "./shared-paths.js";
import { composeServers } from "./compose-servers.js";
import { composeJobServices, hostCronLine, JOBS_PROFILE } from "./compose-jobs.js";
import { conditions, escapeDollars, escapeValues, pick, type ComposeService } from "./compose-values.js";
import { databaseUrls, imageFor } from "./servers.js";
import type { ExportFile, ExportOptions, ExportResult, Unexpressed } from "./types.js";

// The stack as a docker-compose.yml in the subset Debian's docker-compose 1.29 accepts (no
// top-level `name:`, depends_on conditions, deploy.replicas), so it runs on old and new engines.
// Secret values stay in 0600 env files beside it; `$` is doubled everywhere, since Compose would
// otherwise substitute the app's own `$PORT` at `up` time.

export function exportCompose(stack: Stack, options: ExportOptions): ExportResult {
  const kind = projectKind(stack);
  const files: ExportFile[] = [];
  const unexpressed: Unexpressed[] = [];
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const urls = databaseUrls(stack, options.secrets, { postgres: "postgres", mariadb: "mariadb", redis: "redis" });

  const appSecrets: Record<string, string> = { ...pick(options.secrets, stack.secrets), ...urls };
  files.push({ path: SECRETS_FILE, content: renderEnvFile(appSecrets, "Secrets of the app's services: keep this file 0600 and out of version control."), secret: true });

  const servers = composeServers(stack, options);
  Object.assign(services, servers.services);
  Object.assign(volumes, servers.volumes);
  files.push(...servers.files);
  const backing = servers.healthy;

  // Volumes every app container mounts: the SQLite file, `shared:` paths, static directories.
  const appVolumes: string[] = [];
  const sqliteUrl: Record<string, string> = stack.database.engine === "sqlite" ? { DATABASE_URL: "sqlite:////data/db.sqlite3" } : {};
  if (stack.database.engine === "sqlite") {
    volumes.data = {};
    appVolumes.push("data:/data");
  }
  const shared = sharedDirectories(stack);
  unexpressed.push(...shared.unexpressed);
  for (const { index, path } of shared.directories) {
    const volume = `shared-${index}`;
    volumes[volume] = {};
    appVolumes.push(`${volume}:${APP_DIR}/${path}`);
  }
  const staticMounts: StaticMount[] = [];
  for (const [index, entry] of (stack.proxy?.static ?? []).entries()) {
    const volume = `static-${index}`;
    const inImage = pathInImage(stack, entry.directory) ?? entry.directory;
    volumes[volume] = {};
    appVolumes.push(`${volume}:${inImage}`);
    staticMounts.push({ prefix: entry.prefix, proxyPath: `/srv/${volume}` });
  }

  const appImage = appImageService(stack, options);
  // Written even with --image app=REF: it documents how that image is expected to behave.
  files.push({ path: CONTAINERFILE, content: renderContainerfile(stack) }, { path: `${CONTAINERFILE}.dockerignore`, content: renderDockerignore() });
  const logging = {
    driver: "json-file",
    options: { "max-size": String(stack.logs.maxSizeBytes), "max-file": String(stack.logs.keep), compress: String(stack.logs.compress) },
  };
  const sharedEnvironment = escapeValues({ ...stack.env, ...sqliteUrl, BERTH_STACK: stack.name });

  if (stack.release.length > 0) {
    services.release = {
      ...appImage,
      command: ["sh", "-c", escapeDollars(["set -e", ...stack.release].join("\n"))],
      environment: sharedEnvironment,
      env_file: [SECRETS_FILE],
      volumes: appVolumes,
      depends_on: conditions(backing),
      restart: "no",
      logging,
    };
  }

  for (const service of stack.services) {
    const port = containerPort(service);
    const dependsOn: Record<string, string> = { ...backing };
    if (stack.release.length > 0) dependsOn.release = "service_completed_successfully";
    for (const name of service.dependsOn) {
      const dependency = stack.services.find((candidate) => candidate.name === name);
      dependsOn[name] = dependency?.health ? "service_healthy" : "service_started";
    }
    const workingDir = pathInImage(stack, service.cwd);
    if (workingDir === null) unexpressed.push({ path: ["services", service.name, "cwd"], instead: `${service.cwd} is outside the project, so not in the image: the service runs in ${APP_DIR}` });
    services[service.name] = {
      ...appImage,
      command: ["sh", "-c", escapeDollars(containerCommand(service.command))],
      ...(workingDir && workingDir !== APP_DIR ? { working_dir: workingDir } : {}),
      environment: {
        ...sharedEnvironment,
        ...escapeValues(service.env),
        BERTH_SERVICE: service.name,
        ...(port !== null ? { PORT: String(port) } : {}),
      },
      env_file: [SECRETS_FILE],
      volumes: appVolumes,
      ...(Object.keys(dependsOn).length > 0 ? { depends_on: conditions(dependsOn) } : {}),
      ...(service.health ? { healthcheck: composeHealthcheck(service, port, kind) } : {}),
      restart: service.restart,
      stop_grace_period: `${Math.ceil(service.stopGraceMs / 1000)}s`,
      ...(service.stopSignal ? { stop_signal: service.stopSignal } : {}),
      deploy: { replicas: service.replicas },
      logging,
    };
  }

  Object.assign(services, composeJobServices(stack, {
    ...appImage,
    environment: sharedEnvironment,
    env_file: [SECRETS_FILE],
    volumes: appVolumes,
    ...(Object.keys(backing).length > 0 ? { depends_on: conditions(backing) } : {}),
    logging,
  }));

  if (stack.proxy) {
    const proxy = stack.proxy;
    files.push({ path: "Caddyfile", content: renderCaddyfile(stack, proxy, staticMounts) });
    if (proxy.basicAuth) {
      const secret = proxy.basicAuth.passwordSecret;
      files.push({ path: PROXY_SECRETS_FILE, content: renderEnvFile(pick(options.secrets, [secret]), "The front proxy's basic auth password: keep this file 0600 and out of version control."), secret: true });
    }
    volumes["caddy-data"] = {};
    const proxyVolumes = ["./Caddyfile:/etc/caddy/Caddyfile:ro", "caddy-data:/data", ...staticMounts.map((mount) => `${mount.proxyPath.slice("/srv/".length)}:${mount.proxyPath}:ro`)];
    if (proxy.tls.mode === "files") proxyVolumes.push(`${proxy.tls.certFile}:${PROXY_CERT_DIR}/cert.pem:ro`, `${proxy.tls.keyFile}:${PROXY_CERT_DIR}/key.pem:ro`);
    const upstreams: Record<string, string> = {};
    for (const route of proxy.routes) {
      const service = stack.services.find((candidate) => candidate.name === route.service);
      if (service) upstreams[service.name] = service.health ? "service_healthy" : "service_started";
    }
    services.proxy = {
      image: imageFor("caddy", stack, options),
      command: proxy.basicAuth ? ["sh", "-c", escapeDollars(hashThenRunCaddy(proxy.basicAuth.passwordSecret))] : CADDY_RUN,
      ...(proxy.basicAuth ? { env_file: [PROXY_SECRETS_FILE] } : {}),
      // Certificates and the local CA go to the `caddy-data` volume, whatever the image's defaults.
      environment: { XDG_DATA_HOME: "/data", XDG_CONFIG_HOME: "/config" },
      // The address and ports are Compose variables, so one file serves a public host (the
      // defaults) and a test or staging box (BERTH_PUBLISH_ADDRESS=127.0.0.1).
      ports: [
        "${BERTH_PUBLISH_ADDRESS:-0.0.0.0}:${BERTH_HTTP_PORT:-80}:80",
        "${BERTH_PUBLISH_ADDRESS:-0.0.0.0}:${BERTH_HTTPS_PORT:-443}:443",
        ...proxy.listen.map((listener) => `\${BERTH_PUBLISH_ADDRESS:-0.0.0.0}:${listener.port}:${listener.port}`),
      ],
      volumes: proxyVolumes,
      depends_on: conditions(upstreams),
      restart: "always",
      logging,
    };
  }

  const document = { services, ...(Object.keys(volumes).length > 0 ? { volumes } : {}) };
  files.push(
    { path: "docker-compose.yml", content: `# ${stack.name}, exported by berth from ${stack.file}. Secrets live in the *.env files beside it (0600).\n${stringify(document, { lineWidth: 0, aliasDuplicateObjects: false, version: "1.1" })}` },
    // Compose reads .env beside the file for its own variables: the project name keeps the volume
    // names the same whatever the directory is called.
    { path: ".env", content: `COMPOSE_PROJECT_NAME=${stack.name}\n` },
  );
  const relativeRoot = relative(options.outputDirectory, stack.root) || ".";
  return {
    files,
    unexpressed,
    notes: [
      options.images.app ? `the app runs from the image ${options.images.app}` : `build the app's image first (in the output directory): docker-compose build, or podman build -t ${stack.name}-app -f ${CONTAINERFILE} ${relativeRoot}`,
      "start it: docker-compose up -d (in the output directory)",
      ...(services.backup ? ["back up: docker-compose --profile backup run --rm backup (from cron for a schedule)"] : []),
      ...((stack.jobs ?? []).length > 0 ? [`jobs: Compose has no scheduler; add these lines to the host's crontab (read in the host's time zone), or run one now with docker-compose --profile ${JOBS_PROFILE} run --rm job-<name>`] : []),
      ...(stack.jobs ?? []).map((job) => `  ${hostCronLine(stack, job, options.outputDirectory)}`),
    ],
  };
}

const CADDY_RUN = ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"];

/** The Caddyfile reads the password's hash from the environment; only the 0600 env file holds the password. */
function hashThenRunCaddy(passwordVariable: string): string {
  return `export ${BASIC_AUTH_HASH_VARIABLE}="$(caddy hash-password --plaintext "$${passwordVariable}")" && exec ${CADDY_RUN.join(" ")}`;
}

function appImageService(stack: Stack, options: ExportOptions): ComposeService {
  if (options.images.app) return { image: options.images.app };
  // Compose reads both paths relative to the file's directory and the context respectively.
  const context = relative(options.outputDirectory, stack.root) || ".";
  return { image: `${stack.name}-app:latest`, build: { context, dockerfile: relative(stack.root, `${options.outputDirectory}/${CONTAINERFILE}`) } };
}

function composeHealthcheck(service: Service, port: number | null, kind: ReturnType<typeof projectKind>): Record<string, unknown> {
  const health = service.health;
  if (!health) return {};
  const seconds = (ms: number) => `${Math.max(ms, 1) / 1000}s`;
  return {
    test: ["CMD-SHELL", escapeDollars(healthProbeCommand(health, port, kind))],
    interval: seconds(health.probe.intervalMs),
    timeout: seconds(health.probe.timeoutMs),
    retries: health.probe.retries,
    start_period: seconds(health.probe.startPeriodMs),
  };
}
