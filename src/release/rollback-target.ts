import { existsSync } from "node:fs";
import { extname, join } from "node:path";
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

export interface ReleaseOverlays {
  /** Overlay files (`-f`), already mapped into the release directory. */
  overlays?: string[];
  destination?: string;
  /** The stack being rolled back: a destination's release (`pixel-dev`) is read with its overlay. */
  expectedName?: string;
}

/** The stack as the release defined it, read from the release directory with the same overlays (nothing is rebuilt). */
export function loadReleaseStack(stackRoot: string, target: ReleaseRecord, env: NodeJS.ProcessEnv, options: ReleaseOverlays = {}): Stack {
  const config = join(releaseDirectory(stackRoot, target.id), target.configPath);
  if (!existsSync(config)) throw new UserError(`release ${target.id} is no longer on disk`, { hint: "`berth releases` lists the kept ones" });
  const load = (destination: string | undefined) => {
    const overlays = [...(options.overlays ?? []), ...(destination ? [destinationOverlay(config, destination)] : [])];
    return { ...loadStack(config, { env, overlays, destination }), releaseId: target.id };
  };
  const stack = load(options.destination);
  if (!options.expectedName || stack.name === options.expectedName || options.destination) return stack;
  // Asked for by stack name only (the dashboard): `pixel-dev` is pixel's release with berth.dev.yml.
  const destination = options.expectedName.startsWith(`${stack.name}-`) ? options.expectedName.slice(stack.name.length + 1) : null;
  if (destination && existsSync(destinationOverlay(config, destination))) {
    const withOverlay = load(destination);
    if (withOverlay.name === options.expectedName) return withOverlay;
  }
  throw new UserError(`release ${target.id} defines the stack ${stack.name}, not ${options.expectedName}`, {
    hint: "roll it back with `berth rollback` and the same -f/-d options it was deployed with",
  });
}

/** `berth.yml` → `berth.<destination>.yml`, beside it. */
function destinationOverlay(config: string, destination: string): string {
  const extension = extname(config) || ".yml";
  return `${config.slice(0, config.length - extname(config).length)}.${destination}${extension}`;
}
