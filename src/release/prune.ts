import { rmSync } from "node:fs";
import { releaseDirectory, type ReleaseRecord } from "./history.js";

/**
 * Keeps the newest `keep` releases, the live one and every release a running process still uses
 * (a worker left running by `deploy --no-restart`); deletes the rest's directories. Returns the
 * records left and the ids removed.
 */
export function pruneReleases(stackRoot: string, releases: ReleaseRecord[], keep: number, inUse: Set<string>): { kept: ReleaseRecord[]; removed: string[] } {
  const newestFirst = [...releases].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const kept = new Set(newestFirst.slice(0, keep).map((release) => release.id));
  for (const release of newestFirst) if (release.status === "live" || inUse.has(release.id)) kept.add(release.id);
  const removed = newestFirst.filter((release) => !kept.has(release.id)).map((release) => release.id);
  for (const id of removed) rmSync(releaseDirectory(stackRoot, id), { recursive: true, force: true });
  return { kept: releases.filter((release) => kept.has(release.id)), removed };
}
