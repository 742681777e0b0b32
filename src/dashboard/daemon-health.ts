import type { StackManager } from "../daemon/stack-manager.js";
import { berthHome } from "../util/paths.js";
import { diskSpace } from "../util/disk-space.js";
import { formatBytes } from "../util/format-bytes.js";

/** What makes the daemon less than fully trustworthy right now, said on every page; empty when nothing. */
export function daemonWarnings(manager: StackManager, home: string = berthHome()): string[] {
  const warnings: string[] = [];
  const disk = diskSpace(home);
  if (disk === null) warnings.push(`the free space of ${home} cannot be read`);
  else if (disk.low) warnings.push(`${home} is almost full (${formatBytes(disk.freeBytes)} free): logs, events and backups may be lost`);
  if (manager.events.dropped > 0) warnings.push(`${manager.events.dropped} event(s) could not be written to their journal (disk full or permissions); the timeline after a daemon restart will miss them`);
  for (const stack of manager.list()) if (stack.problem) warnings.push(`${stack.name}: ${stack.problem}`);
  return warnings;
}
