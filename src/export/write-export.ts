import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ExportFile } from "./types.js";

// Writes an export: secret files 0600 and listed in a .gitignore beside them, so the directory can
// be committed as it is. Before anything is written, every other file is checked to hold none of
// the secret values: a secret inside a manifest would be a bug, and must never reach the disk.

export const GITIGNORE = ".gitignore";

export function writeExport(directory: string, files: readonly ExportFile[], secretValues: readonly string[]): string[] {
  for (const file of files) {
    if (file.secret) continue;
    if (secretValues.some((value) => file.content.includes(value))) throw new Error(`berth export: ${file.path} would hold a secret value; nothing was written (please report this bug)`);
  }
  mkdirSync(directory, { recursive: true });
  const written: string[] = [];
  for (const file of [...files, gitignoreFor(directory, files)]) {
    const path = join(directory, file.path);
    mkdirSync(dirname(path), { recursive: true });
    const mode = file.secret ? 0o600 : file.executable ? 0o755 : 0o644;
    writeFileSync(path, file.content, { mode });
    // writeFileSync keeps the mode of a file that already exists: an older secret file may be 0644.
    chmodSync(path, mode);
    written.push(file.path);
  }
  return written;
}

/** The secret files, added to what an existing .gitignore already lists. */
function gitignoreFor(directory: string, files: readonly ExportFile[]): ExportFile {
  const path = join(directory, GITIGNORE);
  const existing = existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : ["# Secret files written by berth export (0600): never commit them."];
  const lines = [...existing];
  for (const file of files.filter((candidate) => candidate.secret)) if (!lines.includes(`/${file.path}`)) lines.push(`/${file.path}`);
  return { path: GITIGNORE, content: lines.join("\n") + "\n" };
}
