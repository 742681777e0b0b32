import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadStack } from "../config/index.js";
import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import { liveRelease, releaseDirectory, type ReleaseRecord } from "./history.js";

// What `berth rollback` and the dashboard's rollback share: which kept release to go back to, and
// that release's own berth.yml, so both hand the daemon the same deploy request.

/** The requested release (an id or its prefix), or the newest kept one before the live one. */
export function chooseRollbackTarget(releases: ReleaseRecord[], requested: string | undefined): ReleaseRecord {
  if (requested) {
    const found = releases.find((release) => release.id === requested || release.id.startsWith(requested));
    if (!found) throw new UserError(`no release ${requested}`, { hint: "`berth releases` lists the kept ones" });
    if (found.status === "failed") throw new UserError(`release ${found.id} failed to deploy; it cannot be rolled back to`);
    return found;
  }
  const live = liveRelease(releases);
  const candidates = releases
    .filter((release) => release.id !== live?.id && (release.status === "previous" || release.status === "rolled-back"))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (!candidates[0]) throw new UserError("there is no earlier release to roll back to", { hint: "`berth releases` lists the kept ones" });
  return candidates[0];
}

/** The stack as the release defined it, read from the release directory (nothing is rebuilt). */
export function loadReleaseStack(stackRoot: string, target: ReleaseRecord, env: NodeJS.ProcessEnv): Stack {
  const config = join(releaseDirectory(stackRoot, target.id), target.configPath);
  if (!existsSync(config)) throw new UserError(`release ${target.id} is no longer on disk`, { hint: "`berth releases` lists the kept ones" });
  return { ...loadStack(config, { env }), releaseId: target.id };
}
