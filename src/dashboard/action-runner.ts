import { randomBytes } from "node:crypto";

// Actions started from the dashboard run on the stack's queue like the CLI's; this keeps what each
// one reported (its progress lines, then the daemon's own result or error) so the page can show it
// live and after a reload. Bounded: the oldest finished actions are forgotten.

export type ActionState = "running" | "succeeded" | "failed";

export interface ActionRecord {
  id: string;
  stack: string;
  /** What the user confirmed, e.g. "restart web". */
  label: string;
  state: ActionState;
  startedAt: string;
  finishedAt: string | null;
  progress: { at: string; message: string }[];
  /** The daemon's answer: what it did, or why it failed. */
  outcome: string | null;
}

export type ActionUpdate = { type: "progress"; message: string } | { type: "done"; record: ActionRecord };
type ActionListener = (update: ActionUpdate) => void;

const KEEP_ACTIONS = 50;
const MAX_PROGRESS_LINES = 200;

export class ActionRunner {
  private readonly actions = new Map<string, ActionRecord>();
  private readonly listeners = new Map<string, Set<ActionListener>>();

  constructor(private readonly redact: (stack: string, text: string) => string) {}

  /** Starts `run` now and returns its record at once; `run` reports progress and resolves to the outcome. */
  start(stack: string, label: string, run: (progress: (message: string) => void) => Promise<string>): ActionRecord {
    const record: ActionRecord = {
      id: randomBytes(9).toString("base64url"),
      stack,
      label,
      state: "running",
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: [],
      outcome: null,
    };
    this.actions.set(record.id, record);
    this.forgetOld();
    const progress = (message: string) => {
      const clean = this.redact(stack, message);
      if (record.progress.length < MAX_PROGRESS_LINES) record.progress.push({ at: new Date().toISOString(), message: clean });
      this.tell(record.id, { type: "progress", message: clean });
    };
    void run(progress).then(
      (outcome) => this.finish(record, "succeeded", outcome),
      (error: unknown) => this.finish(record, "failed", error instanceof Error ? error.message : String(error)),
    );
    return record;
  }

  get(id: string): ActionRecord | undefined {
    return this.actions.get(id);
  }

  recent(stack: string): ActionRecord[] {
    return [...this.actions.values()].filter((action) => action.stack === stack).reverse();
  }

  subscribe(id: string, listener: ActionListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  private finish(record: ActionRecord, state: ActionState, outcome: string): void {
    Object.assign(record, { state, outcome: this.redact(record.stack, outcome), finishedAt: new Date().toISOString() });
    this.tell(record.id, { type: "done", record });
    this.listeners.delete(record.id);
  }

  private tell(id: string, update: ActionUpdate): void {
    for (const listener of this.listeners.get(id) ?? []) {
      try {
        listener(update);
      } catch {
        // a closed page must not stop the action
      }
    }
  }

  private forgetOld(): void {
    for (const [id, action] of this.actions) {
      if (this.actions.size <= KEEP_ACTIONS) return;
      if (action.state !== "running") this.actions.delete(id);
    }
  }
}
