import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { completeEvent, type NewStackEvent, type StackEvent } from "./stack-event.js";

export type EventListener = (event: StackEvent) => void;

/** Past this size the journal is renamed to `.1` (one generation kept): bounded, like every file berth writes. */
const MAX_JOURNAL_BYTES = 1024 * 1024;
/** Events kept in memory per stack for pages and `berth events`; older ones are read from the file. */
const RECENT_PER_STACK = 500;

/**
 * The one owner of stack events: appends each to the stack's `events.jsonl`, keeps the recent ones in
 * memory and tells subscribers (alerts, the dashboard). Writing never throws: a full disk loses the
 * line on disk, not the event in memory or its alert.
 */
export class EventJournal {
  private readonly recentByStack = new Map<string, StackEvent[]>();
  private readonly listeners = new Set<EventListener>();
  private droppedWrites = 0;

  constructor(private readonly journalPath: (stack: string) => string) {}

  record(event: NewStackEvent): StackEvent {
    const complete = completeEvent(event);
    this.remember(complete);
    this.append(complete);
    for (const listener of this.listeners) {
      try {
        listener(complete);
      } catch {
        // A failing subscriber must not stop the others or the caller.
      }
    }
    return complete;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The stack's last `limit` events, oldest first; read from disk once after a daemon restart. */
  recent(stack: string, limit = RECENT_PER_STACK): StackEvent[] {
    return this.loaded(stack).slice(-limit);
  }

  /** Lines that could not be written (disk full, permissions) since the daemon started. */
  get dropped(): number {
    return this.droppedWrites;
  }

  private loaded(stack: string): StackEvent[] {
    let events = this.recentByStack.get(stack);
    if (!events) {
      events = readJournal(this.journalPath(stack)).slice(-RECENT_PER_STACK);
      this.recentByStack.set(stack, events);
    }
    return events;
  }

  private remember(event: StackEvent): void {
    const events = this.loaded(event.stack);
    events.push(event);
    if (events.length > RECENT_PER_STACK) events.splice(0, events.length - RECENT_PER_STACK);
  }

  private append(event: StackEvent): void {
    const path = this.journalPath(event.stack);
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (fileSize(path) > MAX_JOURNAL_BYTES) renameSync(path, `${path}.1`);
      appendFileSync(path, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    } catch {
      this.droppedWrites += 1;
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Parses a journal, skipping a torn last line (a crash mid-append) or any line that is not an event. */
export function readJournal(path: string): StackEvent[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const events: StackEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const parsed = JSON.parse(line) as StackEvent;
      if (typeof parsed.kind === "string" && typeof parsed.at === "string") events.push(parsed);
    } catch {
      // torn or foreign line
    }
  }
  return events;
}
