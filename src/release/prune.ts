import { readdirSync, rmSync } from "node:fs";
import { releaseDirectory, releasesDir, type ReleaseRecord } from "./history.js";

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
  // Directories no release record names (a deploy whose CLI died while building) go too; the deploy
  // lock held by the deploying CLI means no other release is being built meanwhile.
  const unrecorded = listDirectory(releasesDir(stackRoot)).filter((id) => !releases.some((release) => release.id === id) && !inUse.has(id));
  for (const id of [...removed, ...unrecorded]) rmSync(releaseDirectory(stackRoot, id), { recursive: true, force: true });
  return { kept: releases.filter((release) => kept.has(release.id)), removed: [...removed, ...unrecorded] };
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}
