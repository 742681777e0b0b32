import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { Service } from "../config/types.js";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import { LOOPBACK } from "./credentials.js";
import { backingService, type EngineContext } from "./engine-context.js";
import { shellQuote } from "./identifiers.js";
import { chownTree, createOwnedDirectory } from "./run-as.js";
import { runProgram, toolEnv } from "./run-program.js";

// Redis: one password-protected server per stack on 127.0.0.1, persisting with an append-only file
// fsynced every second (at most about a second of acknowledged writes at risk when it is killed;
// Redis's own default, snapshots only, loses everything since the last snapshot), plus snapshots to
// dump.rdb for backups. The password is in its config file (0600) and, for redis-cli, in REDISCLI_AUTH: never
// on a command line, where `ps` would show it.

const APPEND_ONLY_DIR = "appendonlydir";
const APPEND_ONLY_FILE = "appendonly.aof";
const SAVE_TIMEOUT_MS = 5 * 60_000;
const SAVE_POLL_MS = 100;

export function prepareRedis(context: EngineContext): Service {
  const { layout } = context;
  const programs = context.tools.redis!;
  const { port, password } = context.credentials.redis!;
  const user = createOwnedDirectory(layout.redis.dir, context.tools.serverUser ?? null);
  const config = [
    `port ${port}`,
    `bind ${LOOPBACK}`,
    "protected-mode yes",
    `requirepass ${JSON.stringify(password)}`,
    `dir ${JSON.stringify(layout.redis.dir)}`,
    "dbfilename dump.rdb",
    "daemonize no",
    'logfile ""',
    "save 3600 1 300 100 60 10000",
    "appendonly yes",
    "appendfsync everysec",
    `appenddirname ${APPEND_ONLY_DIR}`,
  ];
  seedAppendOnlyFromSnapshot(layout.redis);
  writeFileAtomic(layout.redis.config, config.join("\n") + "\n", 0o600);
  // berth wrote the config and may have seeded the append-only file: Redis must own them.
  if (user) chownTree(layout.redis.dir, user, true);
  return backingService({
    name: "redis",
    argv: [programs.server, layout.redis.config],
    cwd: layout.redis.dir,
    port,
    // redis-cli exits 0 even when the server refuses it (NOAUTH), so the answer itself is checked.
    healthCommand: `test "$(${shellQuote(programs.cli)} --no-auth-warning -h ${LOOPBACK} -p ${port} ping)" = PONG`,
    probeEnv: { REDISCLI_AUTH: password },
    user,
  });
}

/** BGSAVE (Redis forks; clients are served meanwhile), then a copy of the finished dump.rdb. */
export async function dumpRedis(context: EngineContext, target: string): Promise<void> {
  const before = await persistenceInfo(context);
  // A save already running started before this request: wait for the one after it.
  const wanted = before.saves + (before.inProgress ? 2 : 1);
  await redisCli(context, ["BGSAVE", "SCHEDULE"]);
  const deadline = Date.now() + SAVE_TIMEOUT_MS;
  for (;;) {
    const info = await persistenceInfo(context);
    if (info.saves >= wanted && !info.inProgress) {
      if (info.lastStatus !== "ok") throw new UserError(`Redis could not save its data (BGSAVE ${info.lastStatus})`, { exitCode: EXIT_STACK_FAILED, hint: "see `berth logs redis`" });
      break;
    }
    if (Date.now() > deadline) throw new UserError("Redis did not finish saving within 5 minutes", { exitCode: EXIT_STACK_FAILED, hint: "see `berth logs redis`" });
    await new Promise((resolve) => setTimeout(resolve, SAVE_POLL_MS));
  }
  // Redis replaces dump.rdb by rename, so the copy reads one complete snapshot.
  copyFileSync(context.layout.redis.dump, target);
}

/** Puts the snapshot in place of dump.rdb; Redis must be stopped (it saves on shutdown) and loads it at start. */
export function restoreRedis(context: EngineContext, file: string): void {
  const { dump, appendOnlyDir } = context.layout.redis;
  const staged = `${dump}.restoring`;
  copyFileSync(file, staged);
  renameSync(staged, dump);
  rmSync(appendOnlyDir, { recursive: true, force: true });
  seedAppendOnlyFromSnapshot(context.layout.redis);
  if (context.tools.serverUser) chownTree(context.layout.redis.dir, context.tools.serverUser, true);
}

/**
 * With append-only persistence on, Redis loads only the append-only file and ignores dump.rdb: a
 * snapshot without one (a stack from before AOF, a restored backup) becomes the file's base, which
 * Redis 7 reads as an RDB, so no data is left behind.
 */
function seedAppendOnlyFromSnapshot(redis: { dump: string; appendOnlyDir: string }): void {
  const manifest = join(redis.appendOnlyDir, `${APPEND_ONLY_FILE}.manifest`);
  if (existsSync(manifest) || !existsSync(redis.dump)) return;
  mkdirSync(redis.appendOnlyDir, { recursive: true, mode: 0o700 });
  const base = `${APPEND_ONLY_FILE}.1.base.rdb`;
  copyFileSync(redis.dump, join(redis.appendOnlyDir, base));
  writeFileAtomic(manifest, `file ${base} seq 1 type b\n`, 0o600);
}

export function hasRedisData(context: EngineContext): boolean {
  return existsSync(context.layout.redis.dump);
}

async function persistenceInfo(context: EngineContext): Promise<{ saves: number; inProgress: boolean; lastStatus: string }> {
  const text = await redisCli(context, ["INFO", "persistence"]);
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  return { saves: Number(field("rdb_saves")), inProgress: field("rdb_bgsave_in_progress") === "1", lastStatus: field("rdb_last_bgsave_status") };
}

async function redisCli(context: EngineContext, command: string[]): Promise<string> {
  const { port, password } = context.credentials.redis!;
  const output = await runProgram(context.tools.redis!.cli, ["--no-auth-warning", "-h", LOOPBACK, "-p", String(port), ...command], {
    env: toolEnv(context.baseEnv, { REDISCLI_AUTH: password }),
    secretValues: context.secretValues,
    timeoutMs: 30_000,
  });
  // redis-cli exits 0 on error replies; they start with ERR, NOAUTH, WRONGPASS...
  if (/^(ERR|NOAUTH|WRONGPASS|LOADING|MISCONF)\b/.test(output.trim())) {
    throw new UserError(`redis-cli ${command.join(" ")} failed: ${output.trim()}`, { exitCode: EXIT_STACK_FAILED, hint: "see `berth logs redis`" });
  }
  return output;
}
