import { EXIT_STACK_FAILED, UserError } from "../errors.js";

// `up` waits for the servers before anything else. A server that cannot start (a bad data
// directory, a port taken by something else) exits again and again; saying so as soon as the
// supervisor sees the crash loop beats waiting out the whole readiness timeout.

export interface ReplicaLike {
  waitUntilReady(timeoutMs: number): Promise<void>;
  snapshot(): { service: string; status: string; lastExit: string | null };
}

const POLL_MS = 200;

export async function waitForServer(replica: ReplicaLike, timeoutMs: number): Promise<void> {
  const { service } = replica.snapshot();
  let settled = false;
  const crashLoop = new Promise<never>((_, reject) => {
    const check = () => {
      if (settled) return;
      const { status, lastExit } = replica.snapshot();
      if (status === "crash-loop" || status === "exited") {
        reject(new Error(`it keeps exiting (${lastExit ?? status})`));
        return;
      }
      setTimeout(check, POLL_MS).unref();
    };
    check();
  });
  try {
    await Promise.race([replica.waitUntilReady(timeoutMs), crashLoop]);
  } catch (error) {
    throw new UserError(`${service} did not become ready: ${error instanceof Error ? error.message : String(error)}`, {
      exitCode: EXIT_STACK_FAILED,
      hint: `see \`berth logs ${service}\``,
    });
  } finally {
    settled = true;
  }
}
