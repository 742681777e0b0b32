import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OperationCancelled, OperationQueue, throwIfCancelled } from "./operation-queue.js";

/** A promise with its resolve function, to step operations by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("OperationQueue", () => {
  it("runs operations one at a time, in arrival order", async () => {
    const queue = new OperationQueue();
    const events: string[] = [];
    const first = gate();
    const a = queue.enqueue({ label: "a", run: async () => { events.push("a start"); await first.promise; events.push("a end"); return 1; } });
    const b = queue.enqueue({ label: "b", run: async () => { events.push("b"); return 2; } });
    await Promise.resolve();
    assert.equal(queue.current, "a");
    first.open();
    assert.deepEqual(await Promise.all([a, b]), [1, 2]);
    assert.deepEqual(events, ["a start", "a end", "b"]);
    assert.equal(queue.current, null);
  });

  it("a failure does not block the next operation", async () => {
    const queue = new OperationQueue();
    const failing = queue.enqueue({ label: "x", run: async () => { throw new Error("boom"); } });
    const next = queue.enqueue({ label: "y", run: async () => "ok" });
    await assert.rejects(failing, /boom/);
    assert.equal(await next, "ok");
  });

  it("cancelAll aborts the running operation's signal and the queued ones never start", async () => {
    const queue = new OperationQueue();
    const started = gate();
    let queuedRan = false;
    const running = queue.enqueue({
      label: "deploy",
      run: (signal) => {
        started.open();
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
    });
    const queued = queue.enqueue({ label: "scale", run: async () => { queuedRan = true; } });
    await started.promise;
    queue.cancelAll("down was asked");
    await assert.rejects(running, (error: Error) => error instanceof OperationCancelled && /down was asked/.test(error.message));
    await assert.rejects(queued, OperationCancelled);
    assert.equal(queuedRan, false);
  });

  it("a committed operation is left to finish", async () => {
    const queue = new OperationQueue();
    const release = gate();
    const deploy = queue.enqueue({
      label: "deploy",
      run: async (signal) => {
        queue.commit(signal);
        await release.promise;
        throwIfCancelled(signal);
        return "live";
      },
    });
    await Promise.resolve();
    await Promise.resolve();
    queue.cancelAll("ctrl+c");
    release.open();
    assert.equal(await deploy, "live");
  });

  it("a committed operation is not cancelled by its CLI going away either", async () => {
    const queue = new OperationQueue();
    const connection = new AbortController();
    const release = gate();
    const deploy = queue.enqueue(
      {
        label: "deploy",
        run: async (signal) => {
          queue.commit(signal);
          await release.promise;
          throwIfCancelled(signal);
          return "live";
        },
      },
      connection.signal,
    );
    await Promise.resolve();
    await Promise.resolve();
    connection.abort();
    release.open();
    assert.equal(await deploy, "live");
  });

  it("an external signal (the CLI's connection) cancels its own operation only", async () => {
    const queue = new OperationQueue();
    const connection = new AbortController();
    const started = gate();
    const mine = queue.enqueue(
      {
        label: "up",
        run: (signal) => {
          started.open();
          return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
        },
      },
      connection.signal,
    );
    const other = queue.enqueue({ label: "ps", run: async () => "other" });
    await started.promise;
    connection.abort(new OperationCancelled("the CLI went away"));
    await assert.rejects(mine, /the CLI went away/);
    assert.equal(await other, "other");
  });
});
