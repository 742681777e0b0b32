import { stringify } from "yaml";
import { DEFAULTS } from "./defaults.js";
import type { DetectedService, Detection } from "./detect.js";

// Renders what detectProject() found as a berth.yml that loads as is and teaches by its comments:
// the settings berth guessed are written out, the ones it could not guess are shown commented.

export function renderBerthYml(detection: Detection): string {
  const lines: string[] = [
    `# berth.yml for ${detection.summary}.`,
    "# Every key is described in docs/berth-yml.md. `berth up` checks this file and points at any mistake.",
    ...comments(detection.warnings.map((warning) => `WARNING: ${warning}`), ""),
    ...comments(detection.notes, ""),
    "",
    `name: ${scalar(detection.name)}`,
    "",
    "# Variables for every service. ${VAR} is read from your environment, the env_file or env: when",
    "# berth loads this file; write $VAR (no braces) or $${VAR} to leave it to the shell instead.",
    `${detection.hasEnvFile ? "" : "# "}env_file: .env`,
    ...renderEnv(detection.env),
    "",
    "# Taken from the environment or the env_file at the first `berth up`, else generated (32 random",
    "# bytes); kept readable only by you, given to every process, never printed. See docs/secrets.md.",
    detection.secrets.length ? `secrets: ${flowList(detection.secrets)}` : "# secrets: [SECRET_KEY]",
    "",
    ...renderDatabase(detection),
    ...(detection.redis ? ["", "# A Redis server for the stack: every process gets REDIS_URL.", "redis: true"] : []),
    "",
    ...renderRelease(detection.release),
    "services:",
    ...detection.services.flatMap(renderService),
    "",
    ...renderProxy(detection),
    "",
    ...(detection.shared.length
      ? ["# Kept across deploys and linked into each release (uploads).", `shared: ${flowList(detection.shared)}`, ""]
      : []),
    "# Log files per process, rotated by size (also every: daily, max_age, max_total for the whole stack).",
    `# logs: { max_size: ${DEFAULTS.logs.maxSize}, keep: ${DEFAULTS.logs.keep}, compress: ${DEFAULTS.logs.compress} }`,
    "",
    "# Commands on a schedule (cron, UTC unless timezone:), in the live release with the stack's environment.",
    "# jobs:",
    '#   nightly: { schedule: "0 3 * * *", command: ./nightly.sh, timeout: 30m }',
    "",
    "# Where to POST crash loops, failed deploys, backups and jobs (Slack-compatible; never a secret value).",
    "# alerts: { webhook: https://hooks.slack.com/services/XXX }",
  ];
  return lines.join("\n") + "\n";
}

function renderDatabase(detection: Detection): string[] {
  if (detection.database === "postgres") {
    return ["# A PostgreSQL server for the stack (the settings use it): every process gets DATABASE_URL and PGHOST,", "# PGPORT, PGUSER, PGPASSWORD, PGDATABASE. Backed up by `berth backup`; see docs/backing.md.", "database: postgres"];
  }
  if (detection.database === "mariadb") {
    return ["# A MariaDB server for the stack (the settings use MySQL): every process gets DATABASE_URL.", "# Backed up by `berth backup`; see docs/backing.md.", "database: mariadb"];
  }
  return ["# Every process gets DATABASE_URL (sqlite:////path/to/db.sqlite3) pointing at the stack's data directory.", "database: sqlite"];
}

function renderRelease(release: string[]): string[] {
  const header = "# Run once per deploy, in order, before the new version gets traffic; a failure stops the deploy.";
  if (release.length === 0) return [header, "# release:", "#   - ./migrate.sh", ""];
  return [header, "release:", ...release.map((command) => `  - ${scalar(command)}`), ""];
}

function renderService(service: DetectedService): string[] {
  const lines = [...comments(service.notes, "  "), `  ${service.name}:`, `    command: ${scalar(service.command)}`];
  if (service.port) lines.push(`    port: ${service.port}`);
  lines.push(service.replicas !== undefined ? `    replicas: ${service.replicas}` : `    # replicas: ${DEFAULTS.service.replicas}`);
  const health = service.health;
  if (health && "http" in health) {
    lines.push(`    health:`, `      http: ${scalar(health.http)}`, health.host ? `      host: ${scalar(health.host)}` : `      # host: example.org`, `      start_period: 30s`);
  } else if (health) {
    lines.push(`    health: { tcp: true, start_period: 30s }`);
  } else {
    lines.push("    # health: { http: /healthz }");
  }
  lines.push(`    # restart: ${DEFAULTS.service.restart}`);
  return lines;
}

function renderEnv(env: Record<string, string>): string[] {
  const entries = Object.entries(env);
  if (entries.length === 0) return ["# env:", "#   LOG_LEVEL: info"];
  // ${REDIS_URL} and the like are resolved by berth for each process as it starts.
  return ["env:", ...entries.map(([name, value]) => `  ${name}: ${JSON.stringify(value)}`)];
}

function renderProxy(detection: Detection): string[] {
  const lines = [
    "# berth's HTTPS front door: these hosts (localhost always works) reach the first service with a port;",
    "# the proxy serves the static directories itself. tls: self-signed until you set up acme (docs/tls.md).",
    "proxy:",
    `  hosts: ${flowList(detection.proxy.hosts)}`,
  ];
  const mounts = Object.entries(detection.proxy.static);
  if (mounts.length > 0) lines.push(`  static: { ${mounts.map(([prefix, directory]) => `${scalar(prefix)}: ${scalar(directory)}`).join(", ")} }`);
  else lines.push("  # static: { /static/: public }");
  return lines;
}

function comments(notes: string[], indent: string): string[] {
  return notes.map((note) => `${indent}# ${note}`);
}

/** A YAML scalar exactly as yaml would write it: plain when safe, quoted when needed. */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function flowList(values: string[]): string {
  return `[${values.map(scalar).join(", ")}]`;
}
