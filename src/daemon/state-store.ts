import { existsSync, readFileSync } from "node:fs";
import type { Stack } from "../config/types.js";
import { writeFileAtomic } from "../util/atomic-write.js";

export interface RecordedReplica {
  service: string;
  replica: number;
  pid: number;
  startTicks: number;
}

export interface StackRecord {
  stack: Stack;
  /** Whether the user wants it running: a restarted daemon brings these back up. */
  up: boolean;
  replicas: RecordedReplica[];
}

export interface DaemonState {
  version: 1;
  stacks: Record<string, StackRecord>;
}

export function readState(path: string): DaemonState {
  if (!existsSync(path)) return { version: 1, stacks: {} };
  const parsed = JSON.parse(readFileSync(path, "utf8")) as DaemonState;
  return { version: 1, stacks: parsed.stacks ?? {} };
}

/** Persists state atomically, coalescing bursts of changes (a restart touches several replicas) into one write. */
export class StateStore {
  private scheduled = false;

  constructor(
    private readonly path: string,
    private readonly collect: () => DaemonState,
  ) {}

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeNow();
    });
  }

  writeNow(): void {
    writeFileAtomic(this.path, JSON.stringify(this.collect(), null, 2));
  }
}
