import { quoteShort } from "./shorten.js";
import * as z from "zod";
import { explainBackupSchedule, judgeBackupSchedule, MIN_BACKUP_INTERVAL_MINUTES, MIN_BACKUP_INTERVAL_VARIABLE } from "./backup-schedule.js";
import { DEFAULTS } from "./defaults.js";
import { field } from "./field-info.js";

// `database:`, `redis:` and `backup:` in berth.yml: what berth provisions for the app (src/backing
// runs it). Checks that involve several of these keys at once live in backing-semantic.ts.

export const DATABASE_ENGINES = ["sqlite", "postgres", "mariadb"] as const;
export const EXTENSION_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
const URL_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/;
const ENGINE_ALIASES: Record<string, string> = { postgresql: "postgres", pg: "postgres", mysql: "mariadb", sqlite3: "sqlite" };

function explainEngine(input: unknown): { message: string; hint: string } | undefined {
  const engine = typeof input === "object" && input !== null ? (input as { engine?: unknown }).engine : input;
  if (typeof engine !== "string" || (DATABASE_ENGINES as readonly string[]).includes(engine)) return undefined;
  const alias = ENGINE_ALIASES[engine.toLowerCase()];
  return {
    message: `unknown database engine ${quoteShort(engine)}`,
    hint: alias
      ? `write \`${alias}\``
      : "write `sqlite`, `postgres` or `mariadb`, or `{ url: ... }` for a database berth does not run",
  };
}

const engine = field(z.enum(DATABASE_ENGINES), {
  description: "Database engine: sqlite (a file), postgres or mariadb (a server berth runs for the stack).",
  expected: "sqlite, postgres or mariadb",
  hint: "write e.g. `engine: postgres`",
  explain: explainEngine,
});

export const databaseSchema = field(
  z.union([
    engine,
    z.strictObject({
      engine: engine.optional(),
      file: field(z.string().min(1), {
        description: "SQLite file, relative to berth.yml (default: db.sqlite3 in the stack's data directory).",
        expected: "a file path",
        hint: "write e.g. `file: data/db.sqlite3`",
      }).optional(),
      version: field(z.number().positive(), {
        description: "Server version to run (postgres: a major version such as 15; mariadb: e.g. 10.11). Default: the newest installed.",
        expected: "a version number such as 15",
        hint: "write e.g. `version: 15`, or remove it to use the newest installed",
      }).optional(),
      extensions: field(
        z.array(
          field(z.string().regex(EXTENSION_NAME_PATTERN), {
            description: "A PostgreSQL extension name.",
            expected: "an extension name such as pg_trgm",
            hint: "write e.g. `pg_trgm` or `uuid-ossp`",
          }),
        ),
        {
          description: "PostgreSQL extensions created in the stack's database (CREATE EXTENSION IF NOT EXISTS) before the release tasks.",
          expected: "a list of extension names",
          hint: "write e.g. `extensions: [pg_trgm, unaccent]`",
        },
      ).optional(),
      // The URL may hold a password, so no diagnostic ever repeats the value.
      url: field(z.string().regex(URL_PATTERN), {
        description: "A database berth does not run, given to every process as DATABASE_URL. Treated as a secret.",
        expected: "a database URL",
        hint: "write e.g. `url: ${PIXEL_DATABASE_URL}` and set that variable in the environment or env_file",
        explain: () => ({
          message: "expected a database URL such as postgres://user:password@host:5432/name",
          hint: "write e.g. `url: ${PIXEL_DATABASE_URL}` and set that variable in the environment or env_file",
        }),
      }).optional(),
    }),
  ]),
  {
    description:
      "The database berth provides as DATABASE_URL: sqlite (default), postgres or mariadb, a map such as { engine: postgres, extensions: [pg_trgm] }, or { url: ... } for a database berth does not run.",
    default: DEFAULTS.database.engine,
    expected: "sqlite, postgres, mariadb, or a map such as { engine: postgres }",
    hint: "write e.g. `database: postgres`",
    explain: explainEngine,
  },
);

export const redisSchema = field(z.boolean(), {
  description: "Run a Redis server for the stack (password-protected, on 127.0.0.1) and give every process REDIS_URL.",
  default: DEFAULTS.redis,
  expected: "true or false",
  hint: "write `redis: true`",
});

export const backupSchema = field(
  z.strictObject({
    schedule: field(z.string().refine((text) => judgeBackupSchedule(text).ok), {
      description:
        `When to take automatic backups, in cron syntax in the host's time zone: "0 3 * * *" is every day at 03:00; @daily and @hourly work too. Runs must be at least ${MIN_BACKUP_INTERVAL_MINUTES} minutes apart (${MIN_BACKUP_INTERVAL_VARIABLE} in the environment lowers this, e.g. for tests).`,
      expected: 'a cron expression such as "0 3 * * *"',
      hint: 'write e.g. `schedule: "0 3 * * *"` (minute hour day-of-month month day-of-week)',
      explain: explainBackupSchedule,
    }).optional(),
    keep: field(z.number().int().min(1), {
      description: "Automatic backups kept per engine; older automatic ones are deleted. Backups made with `berth backup` are never deleted.",
      default: DEFAULTS.backup.keep,
      expected: "a whole number (1 or more)",
      hint: "write e.g. `keep: 7`",
    }).optional(),
  }),
  {
    description: "Automatic backups of the database (and Redis) into the stack's backups directory.",
    expected: "a map",
    hint: 'write e.g. `backup: { schedule: "0 3 * * *", keep: 7 }`',
  },
);
