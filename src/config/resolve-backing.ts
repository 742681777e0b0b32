import { resolve } from "node:path";
import { DEFAULTS } from "./defaults.js";
import type { BerthFile } from "./schema.js";
import type { BackupPolicy, Database } from "./types.js";

/** `database:` as written (a name or a map) to the resolved Database. */
export function resolveDatabase(entry: BerthFile["database"], root: string): Database {
  if (entry === undefined || typeof entry === "string") return databaseFor(entry ?? "sqlite", {});
  if (entry.url !== undefined) return { engine: "external", url: entry.url };
  const file = entry.file !== undefined ? resolve(root, entry.file) : null;
  return databaseFor(entry.engine ?? "sqlite", { file, version: entry.version, extensions: entry.extensions });
}

export function resolveBackup(entry: BerthFile["backup"]): BackupPolicy {
  return { schedule: entry?.schedule ?? null, keep: entry?.keep ?? DEFAULTS.backup.keep };
}

function databaseFor(
  engine: "sqlite" | "postgres" | "mariadb",
  options: { file?: string | null; version?: number | undefined; extensions?: string[] | undefined },
): Database {
  switch (engine) {
    case "sqlite":
      return { engine, file: options.file ?? null };
    case "postgres":
      return { engine, version: options.version ?? null, extensions: [...new Set(options.extensions ?? [])] };
    case "mariadb":
      return { engine, version: options.version ?? null };
  }
}
