import type { Command } from "commander";

// Every command berth has, known without importing it: main.ts loads only the one on the command
// line, so `berth --version` or `berth ps` does not pay for the YAML parser, zod or ACME.
// command-table.test.ts checks that each entry matches what its module registers.

export type RegisterCommand = (program: Command) => void;

export interface CommandEntry {
  name: string;
  aliases?: string[];
  /** The arguments as help shows them, e.g. "[service]". */
  usage?: string;
  description: string;
  load: () => Promise<RegisterCommand>;
}

export interface GlobalOption {
  flags: string;
  description: string;
  defaultValue?: string;
  /** Given several times, every value is kept in order (commander keeps the last). */
  repeatable?: boolean;
}

export const PROGRAM_DESCRIPTION = "run a web application's production stack on one server from berth.yml";

export const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  { flags: "-f, --file <path>", description: "the stack file; give it again to merge more files over it, in order", defaultValue: "berth.yml", repeatable: true },
  { flags: "-d, --destination <name>", description: "merge berth.<name>.yml over berth.yml, as stack <name>-<destination> (see docs/environments.md)" },
  { flags: "-s, --stack <name>", description: "act on a running stack by name instead of reading berth.yml" },
  { flags: "--json", description: "print machine-readable JSON" },
];

/** Commands that hand the rest of the line to another program, so berth's options must come before them. */
const PASS_THROUGH_COMMANDS = new Set(["run"]);

/** Global options that take a value: the word after them is not the command. */
const VALUE_OPTIONS = new Set(["-f", "--file", "-s", "--stack", "-d", "--destination"]);

export const COMMANDS: readonly CommandEntry[] = [
  { name: "init", description: "write a commented berth.yml for the project here (detects Django, Node and Procfile apps)", load: async () => (await import("./commands/init.js")).registerInit },
  { name: "up", description: "start the stack, or apply berth.yml's changes to it (only what changed restarts); returns once every service is ready", load: async () => (await import("./commands/up.js")).registerUp },
  { name: "down", description: "stop every process of the stack; its data is kept unless -v", load: async () => (await import("./commands/down.js")).registerDown },
  { name: "ps", aliases: ["status"], description: "list the stack's replicas: state, health, restarts, uptime, port, cpu, memory", load: async () => (await import("./commands/ps.js")).registerPs },
  { name: "logs", usage: "[service]", description: "show the stack's logs, interleaved by time (all services, or one)", load: async () => (await import("./commands/logs.js")).registerLogs },
  { name: "restart", usage: "[service]", description: "restart a service's replicas one at a time, each ready before the next (or every service)", load: async () => (await import("./commands/restart.js")).registerRestart },
  { name: "scale", usage: "<service=count...>", description: "set the number of replicas of services, e.g. berth scale web=3 worker=2; returns once the new ones are ready", load: async () => (await import("./commands/scale.js")).registerScale },
  { name: "stop", usage: "<service...>", description: "stop services of a running stack, leaving the others running; `berth start` starts them again", load: async () => (await import("./commands/stop.js")).registerStop },
  { name: "start", usage: "<service...>", description: "start services stopped with `berth stop`", load: async () => (await import("./commands/start.js")).registerStart },
  { name: "run", usage: "<command...>", description: "run a one-off command with the stack's environment, e.g. berth run python3 manage.py createsuperuser", load: async () => (await import("./commands/run.js")).registerRun },
  { name: "env", usage: "[service]", description: "show the variables berth gives a service (or one-off commands); secrets are redacted", load: async () => (await import("./commands/env.js")).registerEnv },
  { name: "secret", usage: "<set|ls|rm|rotate>", description: "manage the stack's secrets: set (from stdin), ls, rm, rotate; values are never printed", load: async () => (await import("./commands/secret.js")).registerSecret },
  { name: "config", description: "print the stack file as berth reads it: overlays (-f, -d) merged, variables substituted, secrets masked", load: async () => (await import("./commands/config.js")).registerConfig },
  { name: "ls", description: "list the stacks this host's daemon runs", load: async () => (await import("./commands/ls.js")).registerLs },
  { name: "deploy", description: "build a new release and switch to it with zero downtime; the old release keeps serving if anything fails", load: async () => (await import("./commands/deploy.js")).registerDeploy },
  { name: "rollback", usage: "[release]", description: "switch back to a kept release (default: the one before the live one) without rebuilding", load: async () => (await import("./commands/rollback.js")).registerRollback },
  { name: "releases", description: "list the stack's deploys: id, source, when, who, status, duration", load: async () => (await import("./commands/releases.js")).registerReleases },
  { name: "events", description: "what happened to the stack: crashes, crash loops, health restarts, deploys, backups", load: async () => (await import("./commands/events.js")).registerEvents },
  { name: "jobs", usage: "[run <name>]", description: "the stack's scheduled jobs: last run, status, duration, next run; `berth jobs run NAME` runs one now", load: async () => (await import("./commands/jobs.js")).registerJobs },
  { name: "alerts", usage: "test", description: "send a test alert to the stack's webhook (alerts: in berth.yml)", load: async () => (await import("./commands/alerts.js")).registerAlerts },
  { name: "maintenance", usage: "<on|off>", description: "put up (on) or take down (off) the proxy's maintenance page: every request gets 503 with Retry-After, the app keeps running", load: async () => (await import("./commands/maintenance.js")).registerMaintenance },
  { name: "ca", description: "show where berth's local CA certificate is and how to trust it (for `tls: self-signed`)", load: async () => (await import("./commands/ca.js")).registerCa },
  { name: "backup", description: "back up the stack's database (and Redis) into its backups directory, while it keeps serving", load: async () => (await import("./commands/backup.js")).registerBackup },
  { name: "backups", description: "list the stack's backups, newest first (works while the stack is down)", load: async () => (await import("./commands/backups.js")).registerBackups },
  { name: "restore", usage: "<backup>", description: "restore a backup: verify its checksum, stop the app's services, restore, start them again", load: async () => (await import("./commands/restore.js")).registerRestore },
  { name: "export", usage: "<target>", description: "write the stack as Docker Compose, Kubernetes or systemd files, reporting what each cannot express (see docs/export.md)", load: async () => (await import("./commands/export.js")).registerExport },
  { name: "dashboard", description: "print the web dashboard's address with a one-time login link (the daemon serves it on 127.0.0.1)", load: async () => (await import("./commands/dashboard.js")).registerDashboard },
  { name: "doctor", description: "check that this host has what the stack needs (database and Redis servers, tools for backups)", load: async () => (await import("./commands/doctor.js")).registerDoctor },
  { name: "daemon", description: "the per-host supervisor daemon (started on demand by other commands)", load: async () => (await import("./commands/daemon.js")).registerDaemon },
  { name: "completion", usage: "<shell>", description: "print a shell completion script for bash, zsh or fish (see docs/cli.md)", load: async () => (await import("./commands/completion.js")).registerCompletion },
];

/** The program with berth's global options and no command yet; errors throw instead of exiting. */
export async function createProgram(): Promise<Command> {
  const { Command } = await import("commander");
  const program = new Command("berth").description(PROGRAM_DESCRIPTION).enablePositionalOptions().showHelpAfterError().exitOverride();
  for (const option of GLOBAL_OPTIONS) {
    if (option.repeatable) program.option(option.flags, option.description, collectValues, option.defaultValue);
    else program.option(option.flags, option.description, option.defaultValue);
  }
  return program;
}

export function findCommand(word: string): CommandEntry | undefined {
  return COMMANDS.find((entry) => entry.name === word || entry.aliases?.includes(word));
}

export interface ScannedArguments {
  /** The first word that is not a global option or its value; null when there is none. */
  command: string | null;
  /** The word after `help`, for `berth help <command>`. */
  helpTopic: string | null;
  /** -V/--version or -h/--help before the command. */
  version: boolean;
  help: boolean;
  /** An option before the command that berth does not have. */
  unknownOption: string | null;
}

/** Reads berth's own arguments (argv without node and the script) up to the command word. */
export function scanArguments(args: readonly string[]): ScannedArguments {
  const scanned: ScannedArguments = { command: null, helpTopic: null, version: false, help: false, unknownOption: null };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === "--") {
      scanned.command = args[index + 1] ?? null;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      scanned.command = arg;
      if (arg === "help") scanned.helpTopic = args[index + 1] ?? null;
      break;
    }
    if (arg === "-V" || arg === "--version") scanned.version = true;
    else if (arg === "-h" || arg === "--help") scanned.help = true;
    else if (VALUE_OPTIONS.has(arg)) index++;
    else if (arg === "--json" || arg.startsWith("--file=") || arg.startsWith("--stack=")) continue;
    // commander reads `-fberth.prod.yml` as -f with its value attached.
    else if (/^-[fs]./.test(arg)) continue;
    else scanned.unknownOption ??= arg;
  }
  return scanned;
}

/** The closest command or alias to a mistyped word, or null when none is close enough to suggest. */
export async function suggestCommand(word: string): Promise<string | null> {
  const { distance } = await import("fastest-levenshtein");
  const names = COMMANDS.flatMap((entry) => [entry.name, ...(entry.aliases ?? [])]);
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    const isPrefix = word.length >= 2 && (name.startsWith(word) || word.startsWith(name));
    const candidate = { name, distance: isPrefix ? 1 : distance(word, name) };
    if (!best || candidate.distance < best.distance) best = candidate;
  }
  return best && best.distance <= (best.name.length <= 3 ? 1 : 2) ? best.name : null;
}

/**
 * `berth ps --json` should work as well as `berth --json ps`. Positional options (needed so
 * `berth run cmd --flag` passes --flag on) scope program options to before the command, so each
 * command declares them again, without defaults, so the program's defaults still apply.
 */
export function acceptGlobalOptionsAfterCommands(parent: Command): void {
  for (const command of parent.commands) {
    if (PASS_THROUGH_COMMANDS.has(command.name())) continue;
    if (command.commands.length > 0) {
      acceptGlobalOptionsAfterCommands(command);
      continue;
    }
    const shortFlagTaken = (flag: string) => command.options.some((option) => option.short === flag);
    // `logs -f` means follow, as in docker compose; there the stack file is --file only.
    // `up -d` means detach, as in docker compose; there the destination is --destination only.
    command
      .option(shortFlagTaken("-f") ? "--file <path>" : "-f, --file <path>", "the stack file (default: berth.yml); again to merge more files over it", collectValues)
      .option(shortFlagTaken("-d") ? "--destination <name>" : "-d, --destination <name>", "merge berth.<name>.yml over berth.yml, as stack <name>-<destination>")
      .option("-s, --stack <name>", "act on a running stack by name")
      .option("--json", "print machine-readable JSON");
  }
}

/** The program's help, in commander's layout, rendered from the table alone. */
export function formatProgramHelp(columns = 80): string {
  const options: [string, string][] = [
    ...GLOBAL_OPTIONS.map((option): [string, string] => [
      option.flags,
      option.defaultValue === undefined ? option.description : `${option.description} (default: "${option.defaultValue}")`,
    ]),
    ["-V, --version", "print berth's version"],
    ["-h, --help", "display help for command"],
  ];
  const commands: [string, string][] = [
    ...COMMANDS.map((entry): [string, string] => [
      [[entry.name, ...(entry.aliases ?? [])].join("|"), entry.usage].filter(Boolean).join(" "),
      entry.description,
    ]),
    ["help [command]", "display help for command"],
  ];
  const width = Math.max(...[...options, ...commands].map(([term]) => term.length));
  const section = (title: string, rows: [string, string][]) =>
    [`${title}:`, ...rows.map(([term, description]) => `  ${term.padEnd(width)}  ${wrap(description, columns - width - 4).join(`\n${" ".repeat(width + 4)}`)}`)].join("\n");
  return [
    "Usage: berth [options] [command]",
    "",
    PROGRAM_DESCRIPTION,
    "",
    section("Options", options),
    "",
    section("Commands", commands),
    "",
    "`berth <command> --help` shows a command's own options.",
    "",
  ].join("\n");
}

function wrap(text: string, width: number): string[] {
  if (width < 30) return [text];
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The first value replaces the default; later ones add to it. */
function collectValues(value: string, previous: string | string[] | undefined): string[] {
  return Array.isArray(previous) ? [...previous, value] : [value];
}
