import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";

// Backups are files in the stack's backups directory named <engine>-<UTC time>[-auto].<ext>, each
// with a <name>.sha256 beside it in sha256sum's format (so `sha256sum -c` checks it too). The name
// alone says what the file holds and when it was taken, so listing needs no index to stay in sync.

export type BackupEngine = "postgres" | "mariadb" | "sqlite" | "redis";
export type BackupKind = "manual" | "auto";

export interface BackupFile {
  name: string;
  path: string;
  engine: BackupEngine;
  /** `auto` backups come from backup.schedule and are pruned to backup.keep; manual ones are kept. */
  kind: BackupKind;
  sizeBytes: number;
  /** ISO time the backup was taken. */
  createdAt: string;
}

export const BACKUP_EXTENSIONS: Record<BackupEngine, string> = {
  postgres: "dump",
  mariadb: "sql.gz",
  sqlite: "sqlite3",
  redis: "rdb",
};

const CHECKSUM_SUFFIX = ".sha256";
const NAME_PATTERN = /^(postgres|mariadb|sqlite|redis)-(\d{8}T\d{6}Z)(?:-(\d+))?(-auto)?\.(dump|sql\.gz|sqlite3|rdb)$/;

/** `postgres-20250102T030405Z.dump`; `-2`, `-3`... when a backup of that second exists already. */
export function backupFileName(engine: BackupEngine, at: Date, kind: BackupKind, sequence = 1): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${engine}-${stamp}${sequence > 1 ? `-${sequence}` : ""}${kind === "auto" ? "-auto" : ""}.${BACKUP_EXTENSIONS[engine]}`;
}

export function parseBackupFileName(name: string): { engine: BackupEngine; createdAt: Date; kind: BackupKind; sequence: number } | null {
  const match = NAME_PATTERN.exec(name);
  if (!match || BACKUP_EXTENSIONS[match[1] as BackupEngine] !== match[5]) return null;
  const stamp = match[2]!;
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
  return { engine: match[1] as BackupEngine, createdAt: new Date(iso), kind: match[4] ? "auto" : "manual", sequence: Number(match[3] ?? 1) };
}

/** A name for a new backup in `dir` that no existing backup has. */
export function freshBackupName(dir: string, engine: BackupEngine, at: Date, kind: BackupKind): string {
  for (let sequence = 1; ; sequence += 1) {
    const name = backupFileName(engine, at, kind, sequence);
    if (!existsSync(join(dir, name))) return name;
  }
}

/** Every backup in `dir`, newest first. */
export async function listBackups(dir: string): Promise<BackupFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const backups: (BackupFile & { sequence: number })[] = [];
  for (const name of names) {
    const parsed = parseBackupFileName(name);
    if (!parsed) continue;
    const info = await stat(join(dir, name)).catch(() => null);
    if (!info?.isFile()) continue;
    backups.push({ name, path: join(dir, name), engine: parsed.engine, kind: parsed.kind, sizeBytes: info.size, createdAt: parsed.createdAt.toISOString(), sequence: parsed.sequence });
  }
  backups.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence);
  return backups.map(({ sequence: _sequence, ...backup }) => backup);
}

/** Moves a finished temporary file to its name, after writing its checksum beside it. */
export async function sealBackup(temporary: string, path: string): Promise<void> {
  const digest = await sha256File(temporary);
  writeFileAtomic(`${path}${CHECKSUM_SUFFIX}`, `${digest}  ${basename(path)}\n`, 0o600);
  await rename(temporary, path);
}

/** Throws a UserError unless the file matches the checksum written beside it. */
export async function verifyBackup(path: string): Promise<void> {
  let expected: string;
  try {
    expected = (await readFile(`${path}${CHECKSUM_SUFFIX}`, "utf8")).trim().split(/\s+/)[0] ?? "";
  } catch {
    throw new UserError(`${basename(path)} has no checksum file (${basename(path)}${CHECKSUM_SUFFIX}) beside it`, {
      hint: "berth restores only backups it can verify; keep the .sha256 file next to the backup when you copy it",
    });
  }
  const actual = await sha256File(path);
  if (actual !== expected) {
    throw new UserError(`${basename(path)} is damaged: its SHA-256 does not match ${basename(path)}${CHECKSUM_SUFFIX}`, {
      hint: "restore another backup (`berth backups` lists them)",
    });
  }
}

/** Deletes the oldest automatic backups of `engine` beyond `keep`; returns their names. */
export async function pruneAutomaticBackups(dir: string, engine: BackupEngine, keep: number): Promise<string[]> {
  const automatic = (await listBackups(dir)).filter((backup) => backup.engine === engine && backup.kind === "auto");
  const surplus = automatic.slice(keep);
  for (const backup of surplus) {
    await rm(backup.path, { force: true });
    await rm(`${backup.path}${CHECKSUM_SUFFIX}`, { force: true });
  }
  return surplus.map((backup) => backup.name);
}

/** A backup named by its file name (looked up in `dir`) or given by an absolute path. */
export function locateBackup(dir: string, nameOrPath: string): { path: string; engine: BackupEngine } {
  const path = nameOrPath.startsWith("/") ? nameOrPath : join(dir, nameOrPath);
  if (!nameOrPath.startsWith("/") && basename(nameOrPath) !== nameOrPath) {
    throw new UserError(`"${nameOrPath}" is not a backup name`, { hint: "give a name from `berth backups`, or an absolute path" });
  }
  const parsed = parseBackupFileName(basename(path));
  if (!parsed) {
    throw new UserError(`cannot tell what "${basename(path)}" holds`, {
      hint: "backup names start with the engine and the time, e.g. postgres-20250102T030405Z.dump; `berth backups` lists them",
    });
  }
  if (!existsSync(path)) throw new UserError(`no backup ${nameOrPath}`, { hint: "`berth backups` lists the stack's backups" });
  return { path, engine: parsed.engine };
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}
