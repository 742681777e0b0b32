import { access } from "node:fs/promises";
import { listBackups, type BackupFile } from "../backing/backup-files.js";
import { backingLayout } from "../backing/layout.js";
import { UserError } from "../errors.js";
import { berthHome, stackPaths } from "../util/paths.js";

// The backups page: what `berth backups` lists, plus whether each has the checksum that `berth
// restore` verifies first. Hashing every file on each view would read gigabytes; verifying is an
// action the user starts for one backup.

export interface BackupRow extends BackupFile {
  /** A backup without its .sha256 cannot be restored by berth. */
  hasChecksum: boolean;
}

export function backupsDirectory(stack: string): string {
  return backingLayout(stackPaths(stack, berthHome())).backups;
}

export async function backupRows(stack: string): Promise<BackupRow[]> {
  const backups = await listBackups(backupsDirectory(stack));
  return Promise.all(
    backups.map(async (backup) => ({
      ...backup,
      hasChecksum: await access(`${backup.path}.sha256`).then(
        () => true,
        () => false,
      ),
    })),
  );
}

/** Verifies one listed backup by name (never a path from the page). */
export async function verifyListedBackup(stack: string, name: string): Promise<string> {
  const backup = (await listBackups(backupsDirectory(stack))).find((candidate) => candidate.name === name);
  if (!backup) throw new UserError(`no backup ${name}`);
  const { verifyBackup } = await import("../backing/backup-files.js");
  await verifyBackup(backup.path);
  return `${name}: the SHA-256 matches its checksum file`;
}
