import { backingLayout } from "../backing/layout.js";
import { redactText } from "../config/secrets.js";
import { berthHome, stackPaths } from "../util/paths.js";
import { certificateExpiry, type CertificateExpiry } from "./certificate-expiry.js";
import { directoryUsage, type DiskUsage } from "./disk-usage.js";
import type { StackEvent } from "../events/stack-event.js";
import type { ReleaseRecord } from "../release/history.js";
import type { ProcessRow, StackManager, StackSummary } from "../daemon/stack-manager.js";

// What the pages show, read from the daemon's own state (the same calls `berth ls`, `ps`,
// `releases` and `events` answer from). A value that could not be read is carried as null with the
// reason, so a page says "unknown" and why instead of a made-up number.

export interface StackOverview extends StackSummary {
  lastRelease: ReleaseRecord | null;
  disk: { data: DiskUsage; logs: DiskUsage; backups: DiskUsage };
  certificate: CertificateExpiry;
}

export interface StackDetail {
  name: string;
  /** Null when the processes could not be read (the stack is being restored, or failed to come back). */
  rows: ProcessRow[] | null;
  rowsProblem: string | null;
  releases: ReleaseRecord[];
  events: StackEvent[];
}

export async function stackOverviews(manager: StackManager): Promise<StackOverview[]> {
  return Promise.all(
    manager.list().map(async (summary) => {
      const releases = manager.releases(summary.name);
      const paths = stackPaths(summary.name, berthHome());
      const [data, logs, backups, certificate] = await Promise.all([
        directoryUsage(paths.data),
        directoryUsage(paths.logs),
        directoryUsage(backingLayout(paths).backups),
        certificateExpiry(summary.name),
      ]);
      return { ...summary, lastRelease: releases[0] ?? null, problem: redact(manager, summary.name, summary.problem), disk: { data, logs, backups }, certificate };
    }),
  );
}

export function isKnownStack(manager: StackManager, name: string): boolean {
  return manager.list().some((stack) => stack.name === name);
}

export async function stackDetail(manager: StackManager, name: string, eventLimit = 100): Promise<StackDetail> {
  let rows: ProcessRow[] | null = null;
  let rowsProblem: string | null = null;
  try {
    rows = await manager.processes(name);
  } catch (error) {
    rowsProblem = redact(manager, name, (error as Error).message);
  }
  return {
    name,
    rows,
    rowsProblem,
    releases: redactedReleases(manager, name),
    events: recentEvents(manager, name, eventLimit),
  };
}

export function redactedReleases(manager: StackManager, name: string): ReleaseRecord[] {
  return manager.releases(name).map((release) => ({ ...release, error: redact(manager, name, release.error) }));
}

export function recentEvents(manager: StackManager, name: string, limit: number): StackEvent[] {
  return manager.events.recent(name, limit).map((event) => redactEvent(manager, event));
}

export function redactEvent(manager: StackManager, event: StackEvent): StackEvent {
  return { ...event, message: redact(manager, event.stack, event.message) ?? "" };
}

/** Messages come from berth's own words, but an app's output can end up in an error: secrets are cut out. */
export function redact(manager: StackManager, stack: string, text: string | null): string | null {
  return text === null ? null : redactText(text, manager.secretValues(stack));
}

/** Why a replica's CPU or memory is not shown. */
export function usageUnknownReason(row: ProcessRow): string {
  return row.pid === null ? "not running" : "not readable in /proc";
}
