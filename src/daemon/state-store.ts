import { existsSync, readFileSync } from "node:fs";
import type { Stack } from "../config/types.js";
import type { ReleaseRecord } from "../release/history.js";
import { writeFileAtomic } from "../util/atomic-write.js";

/** A process the daemon started: enough for the next daemon to adopt it (same pid, same output pipes). */
export interface RecordedReplica {
  service: string;
  replica: number;
  pid: number;
  startTicks: number;
  startedAt: number;
  restarts: number;
  port: number | null;
  outputPipes: { out: string; err: string } | null;
  /** Started by a deploy that has not switched yet: the next daemon ends it instead of adopting it. */
  pending: boolean;
}

export interface StackRecord {
  /** The definition from berth.yml (or the live release's), without runtime overrides. */
  stack: Stack;
  /** Whether the user wants it running: a restarted daemon brings these back. */
  up: boolean;
  /** `berth scale` overrides, service → replicas. */
  scale: Record<string, number>;
  /** Services the user stopped with `berth stop`. */
  stopped: string[];
  /** The environment the apps inherit (PATH, locale…), taken from the CLI call that brought the stack up. */
  appEnv: Record<string, string>;
  replicas: RecordedReplica[];
  releases: ReleaseRecord[];
  /** `berth maintenance on`: the proxy answers every request with the maintenance page. */
  maintenance?: boolean;
}

export interface DaemonState {
  version: 2;
  stacks: Record<string, StackRecord>;
}

export function readState(path: string): DaemonState {
  if (!existsSync(path)) return { version: 2, stacks: {} };
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { stacks?: Record<string, Partial<StackRecord> & { stack: Stack }> };
  const stacks: Record<string, StackRecord> = {};
  for (const [name, record] of Object.entries(parsed.stacks ?? {})) {
    stacks[name] = {
      stack: record.stack,
      up: record.up ?? false,
      scale: record.scale ?? {},
      stopped: record.stopped ?? [],
      appEnv: record.appEnv ?? {},
      replicas: (record.replicas ?? []).filter((replica) => typeof replica.pid === "number"),
      releases: record.releases ?? [],
      ...(record.maintenance === true ? { maintenance: true } : {}),
    };
  }
  return { version: 2, stacks };
}

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** Persists state atomically, coalescing bursts of changes (a restart touches several replicas) into one write. */
export class StateStore {
  private scheduled = false;
  private retry: { timer: NodeJS.Timeout; delayMs: number } | null = null;

  constructor(
    private readonly path: string,
    private readonly collect: () => DaemonState,
    private readonly onWriteError: (error: Error) => void,
  ) {}

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeNow();
    });
  }

  /** A failed write (a full disk) is reported once and retried with backoff until one succeeds, never thrown into a verb's path. */
  writeNow(): void {
    const failing = this.retry;
    if (failing) clearTimeout(failing.timer);
    this.retry = null;
    try {
      writeFileAtomic(this.path, JSON.stringify(this.collect(), null, 2));
    } catch (error) {
      if (!failing) this.onWriteError(error as Error);
      const delayMs = failing ? Math.min(RETRY_MAX_MS, failing.delayMs * 2) : RETRY_FIRST_MS;
      const timer = setTimeout(() => this.writeNow(), delayMs);
      timer.unref();
      this.retry = { timer, delayMs };
    }
  }
}
