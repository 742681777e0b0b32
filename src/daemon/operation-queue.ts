// One queue per stack: every verb that changes a running stack (up, deploy, rollback, down, scale,
// restart, restore, backup) runs here, one at a time, in arrival order. Each operation gets an
// AbortSignal; `down` cancels what runs and waits for it to unwind before it acts (caddy's one lock
// for every config change; flyctl's deploy context cancelled by Ctrl+C).

export class OperationCancelled extends Error {
  override name = "OperationCancelled";
}

export interface Operation<T> {
  /** Shown in errors and `ps` while it runs, e.g. "deploy". */
  label: string;
  run: (signal: AbortSignal) => Promise<T>;
}

interface Running {
  label: string;
  controller: AbortController;
  /** Past its commit point (a deploy that switched traffic): it can no longer be cancelled. */
  committed: boolean;
}

export class OperationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private running: Running | null = null;
  private readonly waiting = new Set<AbortController>();

  /** The operation that runs now, if any. */
  get current(): string | null {
    return this.running?.label ?? null;
  }

  /** Queues `operation`; `external` (e.g. the CLI's connection closing) cancels it too. */
  enqueue<T>(operation: Operation<T>, external?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const forward = () => {
      // Past its commit point an operation finishes, even when the CLI that asked for it goes away.
      if (this.running?.controller === controller && this.running.committed) return;
      controller.abort(external?.reason ?? new OperationCancelled(`${operation.label} was cancelled`));
    };
    if (external?.aborted) forward();
    else external?.addEventListener("abort", forward, { once: true });
    this.waiting.add(controller);
    const result = this.tail.then(async () => {
      this.waiting.delete(controller);
      if (controller.signal.aborted) throw cancellationOf(controller.signal, operation.label);
      this.running = { label: operation.label, controller, committed: false };
      try {
        return await operation.run(controller.signal);
      } finally {
        this.running = null;
        external?.removeEventListener("abort", forward);
      }
    });
    this.tail = result.catch(() => {});
    return result;
  }

  /** Marks the running operation as past the point of no return: cancel() leaves it to finish. */
  commit(signal: AbortSignal): void {
    if (this.running && this.running.controller.signal === signal) this.running.committed = true;
  }

  /** Cancels the running operation (unless committed) and every queued one. */
  cancelAll(reason: string): void {
    for (const controller of this.waiting) controller.abort(new OperationCancelled(reason));
    if (this.running && !this.running.committed) this.running.controller.abort(new OperationCancelled(reason));
  }

  /** Resolves once everything queued so far has finished, however it ended. */
  idle(): Promise<void> {
    return this.tail.then(() => {});
  }
}

export function cancellationOf(signal: AbortSignal, label: string): Error {
  return signal.reason instanceof Error ? signal.reason : new OperationCancelled(`${label} was cancelled`);
}

/** Throws the signal's reason when it was aborted: a checkpoint between steps of an operation. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new OperationCancelled("cancelled");
}
