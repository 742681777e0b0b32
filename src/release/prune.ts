import { rmSync } from "node:fs";
import { join } from "node:path";
import { readHistory, releasesDir, writeHistory } from "./history.js";

/** Keeps the newest `keep` releases (always the live one) and deletes the rest's directories. */
export function pruneReleases(stackRoot: string, keep: number): string[] {
  const history = readHistory(stackRoot);
  const newestFirst = [...history.releases].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const kept = new Set(newestFirst.slice(0, keep).map((release) => release.id));
  for (const release of newestFirst) if (release.status === "live") kept.add(release.id);
  const removed = newestFirst.filter((release) => !kept.has(release.id)).map((release) => release.id);
  for (const id of removed) rmSync(join(releasesDir(stackRoot), id), { recursive: true, force: true });
  history.releases = history.releases.filter((release) => kept.has(release.id));
  writeHistory(stackRoot, history);
  return removed;
}
