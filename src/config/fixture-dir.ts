import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// For tests: temporary directories that are removed when the test process exits, so a suite run
// leaves nothing behind in /tmp.

const created: string[] = [];

/** A fresh, empty temporary directory, removed at process exit. */
export function scratchDir(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  if (created.length === 0) process.once("exit", () => created.forEach((path) => rmSync(path, { recursive: true, force: true })));
  created.push(directory);
  return directory;
}

/** A fresh temporary directory holding the given files (path -> content), removed at process exit. */
export function fixtureDir(files: Record<string, string>, prefix = "berth-config-"): string {
  const root = scratchDir(prefix);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
