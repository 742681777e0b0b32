// kill -9 the app, then poll its port until a new process answers 200.
import { probe, type AppReply } from "./http-probe.js";
import { sleep, wallNow } from "./system.js";

export interface RestartSample {
  oldPid: number;
  newPid: number;
  /** kill -9 → first HTTP 200 from a new pid, as seen by the poller. */
  totalMs: number;
  /** kill -9 → the new node process started (its performance.timeOrigin): the supervisor's reaction. */
  reactMs: number;
  /** node process start → listening: the app's boot, including any wrapper the supervisor runs it in. */
  bootMs: number;
  /** listening → the poller's first 200: polling latency. */
  observeMs: number;
  /** HTTP attempts made until the 200. */
  attempts: number;
}

export interface MeasureOptions {
  port: number;
  pollMs: number;
  probeTimeoutMs: number;
  /** Give up (and throw) when no new process answers within this time. */
  timeoutMs: number;
}

/** Waits until the app on `port` answers 200, returning who answered; throws after `timeoutMs`. */
export async function waitForServing(port: number, timeoutMs: number, probeTimeoutMs = 500): Promise<AppReply> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reply = await probe(port, probeTimeoutMs);
    if (reply) return reply;
    if (performance.now() >= deadline) throw new Error(`nothing answered 200 on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Sends SIGKILL to `pid` (the app, serving on `port`) and times the supervisor bringing it back. */
export async function killAndMeasure(pid: number, options: MeasureOptions): Promise<RestartSample> {
  const start = performance.now();
  const killedAtWall = performance.timeOrigin + start;
  process.kill(pid, "SIGKILL");
  let attempts = 0;
  for (;;) {
    const reply = await probe(options.port, options.probeTimeoutMs);
    attempts += 1;
    const now = performance.now();
    if (reply && reply.pid !== pid) {
      const seenAtWall = wallNow();
      return {
        oldPid: pid,
        newPid: reply.pid,
        totalMs: now - start,
        reactMs: reply.originMs - killedAtWall,
        bootMs: reply.listeningMs - reply.originMs,
        observeMs: seenAtWall - reply.listeningMs,
        attempts,
      };
    }
    if (now - start >= options.timeoutMs) {
      throw new Error(`no new process answered on 127.0.0.1:${options.port} within ${options.timeoutMs} ms of kill -9 ${pid}`);
    }
    await sleep(options.pollMs);
  }
}
