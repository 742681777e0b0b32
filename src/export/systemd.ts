import { dirname } from "node:path";
import type { Service, Stack } from "../config/types.js";
import { renderEnvFile, serverPasswordNames } from "./export-secrets.js";
import { basicAuthFiles } from "./htpasswd.js";
import { htpasswdPath, renderNginxSite } from "./nginx-site.js";
import { withExec } from "./shell-exec.js";
import { backupCommand, databaseUrls } from "./servers.js";
import { cronToOnCalendar } from "./systemd-calendar.js";
import { jobUnits } from "./systemd-jobs.js";
import { renderLogrotate } from "./systemd-logrotate.js";
import { findUnknownUnitKeys } from "./systemd-unit-keys.js";
import type { ExportFile, ExportOptions, ExportResult, Unexpressed } from "./types.js";

// The stack as systemd units: a template unit per service (one instance per replica; the instance
// name is the replica's port, so `web@8000` listens on 8000), a oneshot release unit they require,
// a backup timer, one target that starts them all. The app runs from its directory on the host, as
// berth runs it; PostgreSQL and Redis are the host's own servers. Logs go to journald.

const FIRST_AUTO_PORT = 8000;
const PORTS_PER_SERVICE = 10;

export function exportSystemd(stack: Stack, options: ExportOptions): ExportResult {
  const name = stack.name;
  const configDir = `/etc/${name}`;
  const unexpressed: Unexpressed[] = [];
  const files: ExportFile[] = [];
  const backingUnits = hostServerUnits(stack);
  const instancesByService = new Map(stack.services.map((service, index) => [service.name, instancesOf(service, index)]));

  const appEnv: Record<string, string> = { ...stack.env, BERTH_STACK: name, BERTH_DATA_DIR: `/var/lib/${name}` };
  if (stack.database.engine === "sqlite") appEnv.DATABASE_URL = `sqlite:///${stack.database.file ?? `/var/lib/${name}/db.sqlite3`}`;
  // The servers' passwords too: you give them to the host's PostgreSQL role and Redis `requirepass`.
  const secrets = { ...pick(options.secrets, [...stack.secrets, ...serverPasswordNames(stack)]), ...databaseUrls(stack, options.secrets, { postgres: "127.0.0.1", mariadb: "127.0.0.1", redis: "127.0.0.1" }) };
  files.push(
    { path: `${name}.env`, content: renderEnvFile(appEnv, `Environment of ${name}'s units; install as ${configDir}/${name}.env`) },
    { path: `${name}-secrets.env`, content: renderEnvFile(secrets, `Secrets of ${name}'s units; install as ${configDir}/${name}-secrets.env, mode 0600, owner root`), secret: true },
  );

  const readWritePaths = [...stack.shared.map((path) => `${stack.root}/${path}`), ...(stack.proxy?.static ?? []).map((entry) => entry.directory)];
  if (stack.database.engine === "sqlite" && stack.database.file) readWritePaths.push(dirname(stack.database.file));
  const common = {
    environmentFiles: [`${configDir}/${name}.env`, `${configDir}/${name}-secrets.env`],
    sandbox: sandboxLines(name, readWritePaths, stack.user),
  };

  const releaseSteps = [...stack.build, ...extensionSteps(stack), ...stack.release];
  const releaseUnit = `${name}-release.service`;
  files.push({
    path: releaseUnit,
    content: unit([
      ["Unit", [`Description=${name}: build and release tasks (migrations, collectstatic), once per start`, `PartOf=${name}.target`, ...afterWants(backingUnits)]],
      ["Service", [
        "Type=oneshot",
        "RemainAfterExit=yes",
        `WorkingDirectory=${stack.root}`,
        ...common.environmentFiles.map((file) => `EnvironmentFile=${file}`),
        ...(releaseSteps.length > 0 ? releaseSteps.map((step) => `ExecStart=/bin/sh -c ${quoteArgument(step)}`) : ["ExecStart=/bin/true"]),
        "TimeoutStartSec=30min",
        ...common.sandbox,
        "StandardOutput=journal",
        `SyslogIdentifier=${name}-release`,
      ]],
    ]),
  });

  for (const service of stack.services) {
    const dependencies = service.dependsOn.flatMap((dependency) => (instancesByService.get(dependency) ?? []).map((instance) => `${name}-${dependency}@${instance}.service`));
    const hasPort = service.port.kind !== "none";
    files.push({
      path: `${name}-${service.name}@.service`,
      content: unit([
        ["Unit", [
          `Description=${name}: ${service.name} (${hasPort ? "port" : "replica"} %i)`,
          `PartOf=${name}.target`,
          `Requires=${releaseUnit}`,
          `After=${releaseUnit}`,
          ...afterWants([...backingUnits, ...dependencies]),
          // Backoff for crash loops: a restart a second after each exit, at most 5 within a minute, then the unit stays failed.
          "StartLimitIntervalSec=60",
          "StartLimitBurst=5",
        ]],
        ["Service", [
          "Type=simple",
          `WorkingDirectory=${service.cwd}`,
          ...common.environmentFiles.map((file) => `EnvironmentFile=${file}`),
          `Environment=BERTH_SERVICE=${service.name}`,
          ...(hasPort ? ["Environment=PORT=%i"] : ["Environment=BERTH_REPLICA=%i"]),
          ...Object.entries(service.env).map(([key, value]) => `Environment=${quoteAssignment(`${key}=${value}`)}`),
          `ExecStart=/bin/sh -c ${quoteArgument(withExec(service.command))}`,
          `Restart=${service.restart === "no" ? "no" : service.restart}`,
          "RestartSec=1s",
          `TimeoutStopSec=${Math.ceil(service.stopGraceMs / 1000)}s`,
          ...(service.stopSignal ? [`KillSignal=${service.stopSignal}`] : []),
          ...sandboxLines(name, readWritePaths, service.runAs),
          "StandardOutput=journal",
          "StandardError=journal",
          `SyslogIdentifier=${name}-${service.name}`,
        ]],
      ]),
    });
  }

  const wants = [releaseUnit, ...stack.services.flatMap((service) => (instancesByService.get(service.name) ?? []).map((instance) => `${name}-${service.name}@${instance}.service`))];
  const dump = backupCommand(stack, `/var/lib/${name}/backups`);
  if (stack.backup.schedule) {
    const calendar = cronToOnCalendar(stack.backup.schedule);
    const script = dump ?? sqliteBackup(stack);
    if (calendar === null) unexpressed.push({ path: ["backup", "schedule"], instead: `systemd's OnCalendar= cannot say "${stack.backup.schedule}": the timer runs daily; edit OnCalendar= in ${name}-backup.timer` });
    files.push(
      {
        path: `${name}-backup.service`,
        content: unit([
          ["Unit", [`Description=${name}: back up the database`, ...afterWants(backingUnits)]],
          ["Service", [
            "Type=oneshot",
            `WorkingDirectory=${stack.root}`,
            ...common.environmentFiles.map((file) => `EnvironmentFile=${file}`),
            `Environment=BACKUP_KEEP=${stack.backup.keep}`,
            ...(stack.database.engine === "postgres" ? [`Environment=PGHOST=127.0.0.1 PGUSER=${name} PGDATABASE=${name}`] : []),
            `ExecStartPre=/bin/mkdir -p /var/lib/${name}/backups`,
            `ExecStart=/bin/sh -c ${quoteArgument(script)}`,
            ...common.sandbox,
            `SyslogIdentifier=${name}-backup`,
          ]],
        ]),
      },
      {
        path: `${name}-backup.timer`,
        content: unit([
          ["Unit", [`Description=${name}: scheduled backups (${stack.backup.schedule})`]],
          ["Timer", [`OnCalendar=${calendar ?? "daily"}`, "Persistent=true", `Unit=${name}-backup.service`]],
          ["Install", [`WantedBy=${name}.target`]],
        ]),
      },
    );
    wants.push(`${name}-backup.timer`);
  }

  const jobs = jobUnits({ stack, environmentFiles: common.environmentFiles, sandbox: common.sandbox, backingUnits });
  files.push(...jobs.files);
  unexpressed.push(...jobs.unexpressed);
  wants.push(...jobs.timers);

  files.push({
    path: `${name}.target`,
    content: unit([
      ["Unit", [`Description=${name}: the whole stack (systemctl start ${name}.target)`, ...wants.map((item) => `Wants=${item}`)]],
      ["Install", ["WantedBy=multi-user.target"]],
    ]),
  });
  files.push({ path: `logrotate/${name}`, content: renderLogrotate(stack) });
  if (stack.proxy) {
    const upstreams = new Map(stack.services.map((service) => [service.name, service.port.kind === "none" ? [] : (instancesByService.get(service.name) ?? []).map(Number)]));
    files.push({ path: `nginx/${name}.conf`, content: renderNginxSite(stack, stack.proxy, upstreams) });
    if (stack.proxy.basicAuth) files.push(...basicAuthFiles(`nginx/${name}.htpasswd`, stack.proxy.basicAuth, options.secrets));
  }

  for (const file of files.filter((candidate) => /\.(service|timer|target)$/.test(candidate.path))) {
    const unknown = findUnknownUnitKeys(file.content);
    if (unknown.length > 0) throw new Error(`${file.path} has keys berth does not mean to write: ${unknown.map((problem) => problem.key).join(", ")}`);
  }
  return {
    files,
    unexpressed,
    notes: [
      `install: cp *.service *.timer *.target /etc/systemd/system/; install -D -m 0600 ${name}-secrets.env ${configDir}/${name}-secrets.env; install -D -m 0644 ${name}.env ${configDir}/${name}.env`,
      `start: systemctl daemon-reload && systemctl enable --now ${name}.target`,
      ...(stack.proxy ? [`front proxy: nginx/${name}.conf is an nginx site (cp to /etc/nginx/sites-enabled/)`] : []),
      ...(stack.proxy?.basicAuth ? [`basic auth: install -m 0640 -g www-data nginx/${name}.htpasswd ${htpasswdPath(stack)}`] : []),
    ],
  };
}

/** Replica instances: the ports they listen on, or 0…n-1 for services without a port. */
function instancesOf(service: Service, index: number): string[] {
  const base = service.port.kind === "fixed" ? service.port.base : FIRST_AUTO_PORT + index * PORTS_PER_SERVICE;
  return Array.from({ length: service.replicas }, (_, replica) => String(service.port.kind === "none" ? replica : base + replica));
}

function hostServerUnits(stack: Stack): string[] {
  return [
    ...(stack.database.engine === "postgres" ? ["postgresql.service"] : []),
    ...(stack.database.engine === "mariadb" ? ["mariadb.service"] : []),
    ...(stack.redis ? ["redis-server.service"] : []),
  ];
}

function extensionSteps(stack: Stack): string[] {
  if (stack.database.engine !== "postgres") return [];
  return stack.database.extensions.map((extension) => `psql "$DATABASE_URL" -c 'CREATE EXTENSION IF NOT EXISTS "${extension}"'`);
}

function sqliteBackup(stack: Stack): string {
  const file = stack.database.engine === "sqlite" ? (stack.database.file ?? `/var/lib/${stack.name}/db.sqlite3`) : "";
  return `set -e; sqlite3 ${file} ".backup /var/lib/${stack.name}/backups/${stack.name}-$(date -u +%Y%m%dT%H%M%SZ).sqlite3"`;
}

/** `user`: berth.yml's `user:` (the service's, else the stack's); null: the stack's dynamic user. */
function sandboxLines(name: string, readWritePaths: readonly string[], user: string | null): string[] {
  return [
    // Without a `user:`, every unit of the stack shares one dynamic user, so they can all read what the others write.
    ...(user === null ? ["DynamicUser=yes", `User=${name}`] : [`User=${user}`]),
    `StateDirectory=${name}`,
    "ProtectSystem=strict",
    "ProtectHome=read-only",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "NoNewPrivileges=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectControlGroups=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    ...(readWritePaths.length > 0 ? [`ReadWritePaths=${readWritePaths.map((path) => `-${path}`).join(" ")}`] : []),
  ];
}

export function afterWants(units: readonly string[]): string[] {
  return units.length === 0 ? [] : [`After=${units.join(" ")}`, `Wants=${units.join(" ")}`];
}

export function unit(sections: [string, string[]][]): string {
  return sections.map(([section, lines]) => [`[${section}]`, ...lines].join("\n")).join("\n\n") + "\n";
}

/**
 * One argument as systemd's command-line parser reads it: double quotes, with `\` and `"` escaped.
 * `$` is doubled and `%` too, since systemd would otherwise expand them itself.
 */
export function quoteArgument(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$").replace(/\n/g, " ")}"`;
}

/** An Environment= assignment: systemd expands `%` specifiers there but not `$`. */
function quoteAssignment(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\n/g, " ")}"`;
}

function pick(values: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((key) => values[key] !== undefined).map((key) => [key, values[key] as string]));
}
