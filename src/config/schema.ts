import * as z from "zod";
import { backupSchema, databaseSchema, redisSchema } from "./backing-schema.js";
import { DEFAULTS, MAX_REPLICAS } from "./defaults.js";
import { field } from "./field-info.js";
import { DURATION_PATTERN, SIZE_PATTERN, durationToMs } from "./units.js";
import { proxySchema } from "./proxy-schema.js";
import { releaseKeys } from "./release-schema.js";
import { watchSchema } from "./watch-schema.js";
import { envFileEntry } from "./env-file-schema.js";
import { alertsSchema, jobsSchema, logsSchema } from "./operations-schema.js";

// What users write in berth.yml. Defaults and conversions (durations to ms, sizes to bytes,
// relative paths) happen in resolve.ts; this schema only says what is allowed, so it also exports
// cleanly to JSON Schema for editors.

export const STACK_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;

function duration(key: string, description: string, fallback: string, options: { allowZero: boolean }) {
  const text = z.string().regex(DURATION_PATTERN);
  const seconds = z.number().nonnegative();
  return field(
    options.allowZero
      ? z.union([text, seconds])
      : z.union([text.refine((value) => durationToMs(value) > 0), seconds.positive()]),
    {
      description: `${description} A duration such as "500ms", "2s", "1m", "1h", or a number of seconds.`,
      default: fallback,
      expected: `a duration${options.allowZero ? "" : " greater than zero"} such as 500ms, 2s, 1m or 1h`,
      hint: `write e.g. \`${key}: ${fallback}\`, or a number of seconds`,
    },
  );
}

function explainReplicas(input: unknown): { message: string; hint: string } | undefined {
  if (typeof input !== "number" || !Number.isInteger(input) || input <= MAX_REPLICAS) return undefined;
  return {
    message: `${input} replicas is more than berth runs for one service (at most ${MAX_REPLICAS})`,
    hint: "each replica is a whole process on this server; for more concurrency raise the workers inside each one (e.g. gunicorn --workers)",
  };
}

const envName = field(z.string().regex(ENV_NAME_PATTERN), {
  description: "An environment variable name.",
  expected: "an environment variable name (letters, digits and _, not starting with a digit)",
  hint: "rename the variable, e.g. `DJANGO_DEBUG`",
});

const envMap = (description: string) =>
  field(
    z.record(
      envName,
      field(z.union([z.string(), z.number(), z.boolean()]), {
        description: "A value; numbers and booleans are passed to the process as text.",
        expected: "a string, number or boolean",
        hint: 'quote the value, e.g. `DEBUG: "0"`; write `""` for an empty value',
      }),
    ),
    { description, expected: "a map of NAME: value", hint: "write e.g. `env: { DEBUG: \"0\" }`" },
  );

const serviceName = field(z.string().regex(SERVICE_NAME_PATTERN), {
  description: "A service name.",
  expected: "a service name (lowercase letters, digits and -, starting with a letter)",
  hint: "rename it, e.g. `web` or `celery-worker`",
});

const health = field(
  z.strictObject({
    http: field(z.string().startsWith("/"), {
      description: "Probe by HTTP GET of this path on the replica's port; healthy when the status matches `status`.",
      expected: "a path starting with /",
      hint: "write e.g. `http: /healthz`",
    }).optional(),
    tcp: field(z.literal(true), {
      description: "Probe by opening a TCP connection to the replica's port.",
      expected: "true",
      hint: "write `tcp: true`",
    }).optional(),
    command: field(z.string().min(1), {
      description: "Probe by running this shell command in the service's directory; healthy when it exits 0.",
      expected: "a shell command",
      hint: "write e.g. `command: ./bin/healthcheck`",
    }).optional(),
    status: field(z.number().int().min(100).max(599), {
      description: "HTTP status the http probe expects.",
      default: DEFAULTS.health.status,
      expected: "an HTTP status code (100-599)",
      hint: "write e.g. `status: 200`",
    }).optional(),
    host: field(z.string().min(1), {
      description: "Host header the http probe sends (default: localhost). Set it when the app checks Host (Django's ALLOWED_HOSTS).",
      expected: "a host name",
      hint: "write e.g. `host: example.org`",
    }).optional(),
    interval: duration("interval", "Time between probes.", DEFAULTS.health.interval, { allowZero: false }).optional(),
    timeout: duration("timeout", "How long one probe may take.", DEFAULTS.health.timeout, { allowZero: false }).optional(),
    retries: field(z.number().int().min(1), {
      description: "Consecutive failures before a replica counts as unhealthy.",
      default: DEFAULTS.health.retries,
      expected: "a whole number (1 or more)",
      hint: "write e.g. `retries: 3`",
    }).optional(),
    start_period: duration("start_period", "Grace period after start during which failures do not count.", DEFAULTS.health.startPeriod, {
      allowZero: true,
    }).optional(),
  }),
  {
    description: "How berth checks a replica is healthy: exactly one of `http`, `tcp` or `command`.",
    expected: "a map with one of http, tcp or command",
    hint: "write e.g. `health: { http: /healthz }`",
  },
);

const runAsUser = (description: string) =>
  field(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/), {
    description,
    expected: "a Unix user name, e.g. www-data, or root",
    hint: "write e.g. `user: www-data` (the user must exist), or leave it out to let berth choose",
  });

const service = field(
  z.strictObject({
    command: field(z.string().min(1), {
      description: "Shell command that starts the process. `$PORT` is expanded by the shell at start.",
      expected: "a shell command",
      hint: "write e.g. `command: gunicorn app.wsgi --bind 127.0.0.1:$PORT`",
    }),
    cwd: field(z.string().min(1), {
      description: "Directory the command runs in, relative to berth.yml (default: berth.yml's directory).",
      expected: "a directory path",
      hint: "write e.g. `cwd: backend`",
    }).optional(),
    env: envMap("Variables for this service only; they override the stack's `env`.").optional(),
    watch: watchSchema.optional(),
    replicas: field(z.number().int().min(0).max(MAX_REPLICAS), {
      description: `How many copies of the process to run, at most ${MAX_REPLICAS}: each is a process on this one server.`,
      default: DEFAULTS.service.replicas,
      expected: `a whole number from 0 to ${MAX_REPLICAS}`,
      hint: "write e.g. `replicas: 2`",
      explain: explainReplicas,
    }).optional(),
    port: field(z.union([z.literal(true), z.literal("auto"), z.literal(false), z.number().int().min(1).max(65535)]), {
      description:
        "`auto` (or true): berth gives each replica a free port in $PORT. A number: replica i gets number + i. false: no port. Default: auto when the command uses $PORT or health is http/tcp.",
      expected: "auto, true, false or a port number (1-65535)",
      hint: "write `port: auto` to let berth choose, or e.g. `port: 8000`",
    }).optional(),
    health: health.optional(),
    restart: field(z.union([z.enum(["always", "on-failure", "no"]), z.literal(false)]), {
      description: "When to restart the process after it exits: always, on-failure (non-zero exit) or no.",
      default: DEFAULTS.service.restart,
      expected: "always, on-failure or no",
      hint: "write `restart: always`, `restart: on-failure` or `restart: no`",
    }).optional(),
    stop_grace: duration("stop_grace", "Time between SIGTERM and SIGKILL when stopping.", DEFAULTS.service.stopGrace, {
      allowZero: true,
    }).optional(),
    // Items are checked against the services actually defined (semantic.ts), which says more than a pattern.
    depends_on: field(z.array(z.string()), {
      description: "Services that must be started (and healthy, if they have a health check) before this one.",
      expected: "a list of service names",
      hint: "write e.g. `depends_on: [web]`",
    }).optional(),
    user: runAsUser("The Unix user this service runs as when berth runs as root (default: the stack's `user`).").optional(),
  }),
  {
    description: "One kind of long-running process.",
    expected: "a map with at least `command`",
    hint: "write e.g. `web: { command: npm start }`",
  },
);

const commandList = (description: string) =>
  field(z.union([z.string().min(1), z.array(z.string().min(1))]), {
    description,
    expected: "a shell command or a list of commands",
    hint: "write e.g. `release: [python3 manage.py migrate --noinput]`",
  });

export const berthFileSchema = field(
  z.strictObject({
    name: field(z.string().regex(STACK_NAME_PATTERN), {
      description: "Stack name: isolates data, ports and processes. Default: the directory name.",
      expected: "a name of lowercase letters, digits and - (starting with a letter, at most 40 characters)",
      hint: "write e.g. `name: pixel`",
    }).optional(),
    env_file: field(z.union([z.string().min(1), z.array(z.union([z.string().min(1), envFileEntry]))]), {
      description: "dotenv file(s), relative to berth.yml. Their variables are given to every service; `env` overrides them. `{ path, secret: true }` makes every variable of a file a secret.",
      expected: "a file path, or a list of file paths and `{ path, secret }` maps",
      hint: "write e.g. `env_file: .env` or `env_file: [.env, { path: .env.secrets, secret: true }]`",
    }).optional(),
    env: envMap("Variables given to every service.").optional(),
    secrets: field(z.array(field(z.string().regex(SECRET_NAME_PATTERN), {
      description: "A secret's environment variable name.",
      expected: "an UPPER_CASE variable name",
      hint: "write e.g. `SECRET_KEY`",
    })), {
      description: "Variables berth generates once (32 random bytes, base64url), stores 0600 and gives to every process.",
      expected: "a list of variable names",
      hint: "write e.g. `secrets: [SECRET_KEY]`",
    }).optional(),
    user: runAsUser(
      "The Unix user the stack's processes run as when berth runs as root. Default: the stack's own system user (berth-<name>), when it can run them (see docs/security.md).",
    ).optional(),
    database: databaseSchema.optional(),
    redis: redisSchema.optional(),
    backup: backupSchema.optional(),
    release: commandList("Commands run once per deploy, in order, before traffic moves (migrations, collectstatic).").optional(),
    services: field(z.record(serviceName, service), {
      description: "The processes of the stack, by name.",
      expected: "a map of services",
      hint: "write e.g. `services: { web: { command: npm start } }`",
    }),
    logs: logsSchema.optional(),
    jobs: jobsSchema.optional(),
    alerts: alertsSchema.optional(),
    proxy: proxySchema.optional(),
    ...releaseKeys,
  }),
  {
    title: "berth.yml",
    description: "A web application's production stack, run by berth.",
    expected: "a map of settings",
    hint: "start with `services:`; run `berth init` for a commented example",
  },
);

export type BerthFile = z.infer<typeof berthFileSchema>;
export type ServiceEntry = z.infer<typeof service>;
export type HealthEntry = z.infer<typeof health>;
