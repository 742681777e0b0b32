import { lstatSync, readFileSync, writeFileSync } from "node:fs";
import { relative, sep } from "node:path";

// A release directory is a copy of the app, .env included. The values of `secrets:` names live in
// the 0600 store from the first load on, so the copy loses its secret lines: berth's home then
// holds each secret value in one place only. Shared files (symlinks into shared/) are the user's
// own and are left alone.

const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*[=:]/;

/** Removes the lines that set one of `names` from each env file that is a regular file inside `releaseDir`. */
export function scrubSecretsFromEnvFiles(envFiles: readonly string[], releaseDir: string, names: readonly string[]): void {
  if (names.length === 0) return;
  const secret = new Set(names);
  for (const file of envFiles) {
    const inside = relative(releaseDir, file);
    if (inside.startsWith("..") || inside.startsWith(sep) || !isRegularFile(file)) continue;
    const text = readFileSync(file, "utf8");
    const kept = dropAssignments(text, secret);
    if (kept !== text) writeFileSync(file, kept, { mode: 0o600 });
  }
}

/** The text without the assignments of `names`, multi-line quoted values included. */
export function dropAssignments(text: string, names: ReadonlySet<string>): string {
  const lines = text.split("\n");
  const kept: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const name = ASSIGNMENT.exec(line)?.[1];
    if (name === undefined || !names.has(name)) {
      kept.push(line);
      continue;
    }
    const value = line.slice(line.search(/[=:]/) + 1).trimStart();
    const quote = value[0];
    // A quoted value that does not close on its own line goes on until the line that closes it.
    if ((quote === '"' || quote === "'" || quote === "`") && !closesOnSameLine(value, quote)) {
      while (index + 1 < lines.length && !lines[index + 1]!.includes(quote)) index += 1;
      index += 1;
    }
  }
  return kept.join("\n");
}

function closesOnSameLine(value: string, quote: string): boolean {
  return value.indexOf(quote, 1) !== -1;
}

function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}
