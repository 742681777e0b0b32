import { join } from "node:path";

// The release history is part of each stack's record in the daemon's state (src/daemon/state-store.ts),
// so the switch to a release and the record that it is live are one atomic write, made by the daemon.

export type ReleaseStatus = "deploying" | "live" | "previous" | "failed" | "rolled-back";

export interface ReleaseRecord {
  id: string;
  /** What was deployed: a git ref with its commit, or a directory. */
  source: string;
  createdAt: string;
  user: string;
  status: ReleaseStatus;
  durationMs: number | null;
  error: string | null;
  /** berth.yml's path inside the release directory. */
  configPath: string;
  /** How `berth deploy` was called, so the dashboard can deploy the same source again (absent for releases made before it was recorded). */
  origin?: DeployOrigin;
}

/** What a `berth deploy` was given: where it ran, its stack files and its source option, all paths absolute. */
export interface DeployOrigin {
  /** The directory of berth.yml (the stack's directory). */
  directory: string;
  /** The stack file, then the -f files merged over it. */
  files: string[];
  destination?: string;
  source: { kind: "path"; directory: string } | { kind: "ref"; ref: string };
}

/** What the CLI tells the daemon about a release it built. */
export type ReleaseInfo = Pick<ReleaseRecord, "id" | "source" | "createdAt" | "user" | "configPath" | "origin">;

export function releasesDir(stackRoot: string): string {
  return join(stackRoot, "releases");
}

export function releaseDirectory(stackRoot: string, id: string): string {
  return join(releasesDir(stackRoot), id);
}

/** `id` becomes live; the one live before it becomes `previous` (or `rolled-back` after a rollback). */
export function markLive(releases: ReleaseRecord[], id: string, durationMs: number | null, formerStatus: ReleaseStatus = "previous"): void {
  for (const release of releases) {
    if (release.id === id) Object.assign(release, { status: "live", error: null, ...(durationMs === null ? {} : { durationMs }) });
    else if (release.status === "live") release.status = formerStatus;
  }
}

export function liveRelease(releases: ReleaseRecord[]): ReleaseRecord | undefined {
  return releases.find((release) => release.status === "live");
}

/** A deploy in flight when the daemon stopped did not go live. */
export function failInterrupted(releases: ReleaseRecord[]): void {
  for (const release of releases) {
    if (release.status !== "deploying") continue;
    release.status = "failed";
    release.error ??= "the daemon stopped during the deploy; the previous release kept serving";
  }
}

export function newReleaseId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}
