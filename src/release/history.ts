import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { isProcessAlive } from "../util/process-alive.js";

export type ReleaseStatus = "building" | "deploying" | "live" | "previous" | "failed" | "rolled-back";

export interface ReleaseRecord {
  id: string;
  /** What was deployed: a git ref with its commit, or a directory. */
  source: string;
  createdAt: string;
  user: string;
  status: ReleaseStatus;
  durationMs: number | null;
  error: string | null;
  /** The deploying CLI process, so a deploy whose process died can be marked failed. */
  pid: number | null;
  /** berth.yml's path inside the release directory. */
  configPath: string;
}

export interface ReleaseHistory {
  releases: ReleaseRecord[];
}

export function releasesDir(stackRoot: string): string {
  return join(stackRoot, "releases");
}

function historyPath(stackRoot: string): string {
  return join(stackRoot, "releases.json");
}

export function readHistory(stackRoot: string): ReleaseHistory {
  const path = historyPath(stackRoot);
  if (!existsSync(path)) return { releases: [] };
  const history = JSON.parse(readFileSync(path, "utf8")) as ReleaseHistory;
  markAbandoned(history);
  return history;
}

export function writeHistory(stackRoot: string, history: ReleaseHistory): void {
  writeFileAtomic(historyPath(stackRoot), JSON.stringify(history, null, 2));
}

/** Applies `change` to one release and saves the history. */
export function updateRelease(stackRoot: string, id: string, change: Partial<ReleaseRecord>): ReleaseHistory {
  const history = readHistory(stackRoot);
  const record = history.releases.find((release) => release.id === id);
  if (record) Object.assign(record, change);
  writeHistory(stackRoot, history);
  return history;
}

/** Marks `id` live and the one that was live before it `previous` (or `rolled-back`). */
export function markLive(stackRoot: string, id: string, durationMs: number | null, formerStatus: ReleaseStatus = "previous"): void {
  const history = readHistory(stackRoot);
  for (const release of history.releases) {
    if (release.id === id) Object.assign(release, { status: "live", error: null, pid: null, ...(durationMs === null ? {} : { durationMs }) });
    else if (release.status === "live") release.status = formerStatus;
  }
  writeHistory(stackRoot, history);
}

export function liveRelease(history: ReleaseHistory): ReleaseRecord | undefined {
  return history.releases.find((release) => release.status === "live");
}

/** A release left building or deploying by a process that no longer exists failed (its daemon or CLI died). */
function markAbandoned(history: ReleaseHistory): void {
  for (const release of history.releases) {
    if ((release.status === "building" || release.status === "deploying") && !isProcessAlive(release.pid)) {
      release.status = "failed";
      release.error = release.error ?? "the deploy was interrupted";
    }
  }
}

export function newReleaseId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}
