import assert from "node:assert/strict";
import { scratchDir } from "../config/fixture-dir.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UserError } from "../errors.js";
import {
  backupFileName,
  freshBackupName,
  listBackups,
  locateBackup,
  parseBackupFileName,
  pruneAutomaticBackups,
  sealBackup,
  verifyBackup,
  type BackupEngine,
  type BackupKind,
} from "./backup-files.js";

const AT = new Date("2025-01-02T03:04:05.678Z");

function backupsDir(): string {
  return scratchDir("berth-backups-");
}

async function makeBackup(dir: string, engine: BackupEngine, at: Date, kind: BackupKind, content = "data"): Promise<string> {
  const name = freshBackupName(dir, engine, at, kind);
  const partial = join(dir, `.${name}.partial`);
  writeFileSync(partial, content);
  await sealBackup(partial, join(dir, name));
  return name;
}

describe("backup files", () => {
  it("are named <engine>-<UTC time>[-auto].<ext> and parsed back", () => {
    assert.equal(backupFileName("postgres", AT, "manual"), "postgres-20250102T030405Z.dump");
    assert.equal(backupFileName("mariadb", AT, "auto"), "mariadb-20250102T030405Z-auto.sql.gz");
    assert.equal(backupFileName("sqlite", AT, "manual", 2), "sqlite-20250102T030405Z-2.sqlite3");
    assert.deepEqual(parseBackupFileName("redis-20250102T030405Z-3-auto.rdb"), {
      engine: "redis",
      createdAt: new Date("2025-01-02T03:04:05Z"),
      kind: "auto",
      sequence: 3,
    });
    assert.equal(parseBackupFileName("postgres-20250102T030405Z.rdb"), null, "extension must match the engine");
    assert.equal(parseBackupFileName("notes.txt"), null);
  });

  it("get a checksum in sha256sum's format, and a fresh name within the same second", async () => {
    const dir = backupsDir();
    const first = await makeBackup(dir, "postgres", AT, "manual");
    const second = await makeBackup(dir, "postgres", AT, "manual");
    assert.equal(second, "postgres-20250102T030405Z-2.dump");
    assert.match(readFileSync(join(dir, `${first}.sha256`), "utf8"), /^[0-9a-f]{64} {2}postgres-20250102T030405Z\.dump\n$/);
    const listed = await listBackups(dir);
    assert.deepEqual(listed.map((backup) => backup.name), [second, first], "newest first");
    assert.equal(listed[0]?.sizeBytes, 4);
  });

  it("verify: a changed file or a missing checksum is refused", async () => {
    const dir = backupsDir();
    const name = await makeBackup(dir, "sqlite", AT, "manual");
    await verifyBackup(join(dir, name));
    writeFileSync(join(dir, name), "tampered");
    await assert.rejects(verifyBackup(join(dir, name)), (error: unknown) => error instanceof UserError && /damaged/.test(error.message));
    writeFileSync(join(dir, "sqlite-20250101T000000Z.sqlite3"), "x");
    await assert.rejects(verifyBackup(join(dir, "sqlite-20250101T000000Z.sqlite3")), /no checksum file/);
  });

  it("pruning deletes the oldest automatic backups of one engine and never a manual one", async () => {
    const dir = backupsDir();
    const minute = (n: number) => new Date(AT.getTime() + n * 60_000);
    const manual = await makeBackup(dir, "postgres", minute(0), "manual");
    const autos = [];
    for (let n = 1; n <= 4; n += 1) autos.push(await makeBackup(dir, "postgres", minute(n), "auto"));
    const redis = await makeBackup(dir, "redis", minute(0), "auto");
    assert.deepEqual(await pruneAutomaticBackups(dir, "postgres", 2), [autos[1], autos[0]]);
    const left = (await listBackups(dir)).map((backup) => backup.name).sort();
    assert.deepEqual(left, [manual, autos[2], autos[3], redis].sort());
  });

  it("are located by name in the backups directory or by absolute path", async () => {
    const dir = backupsDir();
    const name = await makeBackup(dir, "redis", AT, "manual");
    assert.deepEqual(locateBackup(dir, name), { path: join(dir, name), engine: "redis" });
    assert.deepEqual(locateBackup("/elsewhere", join(dir, name)), { path: join(dir, name), engine: "redis" });
    assert.throws(() => locateBackup(dir, `../${name}`), /not a backup name/);
    assert.throws(() => locateBackup(dir, "dump.sql"), /cannot tell what/);
    assert.throws(() => locateBackup(dir, "redis-20200101T000000Z.rdb"), /no backup/);
  });
});
