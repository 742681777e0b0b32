import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import { ReplicaNotReadyError, type Replica } from "../supervisor/replica.js";

// `up` waits for the servers before anything else. A server that cannot start (a bad data
// directory, a port taken by something else) exits again and again: the replica's ready wait
// fails as soon as it sees the crash loop, rather than at the end of the whole timeout.

export async function waitForServer(replica: Replica, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const { service } = replica.snapshot();
  try {
    await replica.waitUntilReady(timeoutMs, signal);
  } catch (error) {
    if (error instanceof ReplicaNotReadyError && error.reason === "aborted") throw signal?.reason ?? error;
    const why =
      error instanceof ReplicaNotReadyError && (error.reason === "crash-loop" || error.reason === "exited")
        ? `it keeps exiting (${error.lastExit ?? "no exit status"})`
        : error instanceof Error
          ? error.message
          : String(error);
    throw new UserError(`${service} did not become ready: ${why}`, { exitCode: EXIT_STACK_FAILED, hint: `see \`berth logs ${service}\`` });
  }
}
