// The schedule: start both supervisors, then in each round kill -9 each peer's app after a stable
// run (and optionally a burst of quick kills right after), alternating which peer goes first, and
// sample the daemons' memory while nothing is being restarted.
import { killAndMeasure, type MeasureOptions, type RestartSample } from "./measure.js";
import { probe } from "./http-probe.js";
import type { BenchOptions } from "./options.js";
import type { Peer, PeerName } from "./peers.js";
import { readProcessMemory, sleep, type ProcessMemory } from "./system.js";

export type MemoryPhase = "start" | "round" | "end";

export interface MemorySample {
  phase: MemoryPhase;
  round: number;
  daemon: ProcessMemory;
  app: ProcessMemory | null;
}

export interface PeerRun {
  name: PeerName;
  daemonLabel: string;
  version: string;
  port: number;
  daemonPid: number;
  /** One kill per round, each after at least `stableMs` of uptime. */
  stable: RestartSample[];
  /** burst[k]: the (k + 2)-th kill of each round, made as soon as the previous restart served. */
  burst: RestartSample[][];
  memory: MemorySample[];
}

export type Progress = (line: string) => void;

const PROBE_TIMEOUT_MS = 250;
/** A kill whose app is not back within this long fails the benchmark (berth's longest burst backoff is far below). */
const RESTART_TIMEOUT_MS = 20_000;
/** Quiet time between the CLI calls that check pids and the next kill. */
const QUIET_MS = 500;
const SETTLE_MS = 2_000;

interface PeerState {
  peer: Peer;
  run: PeerRun;
  pid: number;
  /** performance.now() when the current app process was first seen serving. */
  servingSince: number;
}

export async function runBench(peers: readonly Peer[], options: BenchOptions, deadline: number, progress: Progress): Promise<PeerRun[]> {
  const measure: MeasureOptions = { pollMs: options.pollMs, probeTimeoutMs: PROBE_TIMEOUT_MS, timeoutMs: RESTART_TIMEOUT_MS, port: 0 };
  const states: PeerState[] = [];
  for (const peer of peers) {
    progress(`starting ${peer.name} ${peer.version} (app on 127.0.0.1:${peer.port})`);
    await peer.start();
    const daemonPid = await peer.daemonPid();
    const pid = await verifiedPid(peer, null);
    states.push({
      peer,
      pid,
      servingSince: performance.now(),
      run: {
        name: peer.name,
        daemonLabel: peer.daemonLabel,
        version: peer.version,
        port: peer.port,
        daemonPid,
        stable: [],
        burst: Array.from({ length: options.burst }, () => []),
        memory: [],
      },
    });
    progress(`${peer.name}: ${peer.daemonLabel} pid ${daemonPid}, app pid ${pid}`);
  }

  await sleep(SETTLE_MS);
  for (const state of states) sampleMemory(state, "start", 0);

  for (let round = 1; round <= options.rounds; round += 1) {
    const order = round % 2 === 1 ? states : [...states].reverse();
    const firstDue = Math.min(...states.map((state) => state.servingSince + options.stableMs));
    await sleepUntil(firstDue - QUIET_MS - 2_000, deadline);
    for (const state of order) sampleMemory(state, "round", round);
    for (const state of order) state.pid = await verifiedPid(state.peer, state.pid);
    await sleepUntil(performance.now() + QUIET_MS, deadline);

    const line: string[] = [];
    for (const state of order) {
      await sleepUntil(state.servingSince + options.stableMs, deadline);
      const sample = await killOnce(state, measure, round, "after a stable run");
      state.run.stable.push(sample);
      line.push(`${state.peer.name} ${sample.totalMs.toFixed(1)} ms`);
    }
    for (let k = 0; k < options.burst; k += 1) {
      for (const state of order) {
        checkDeadline(deadline);
        const sample = await killOnce(state, measure, round, `quick kill #${k + 2}`);
        state.run.burst[k]?.push(sample);
      }
    }
    const bursts = options.burst === 0 ? "" : `; quick kills: ${order.map((state) => `${state.peer.name} ${state.run.burst.map((samples) => samples.at(-1)?.totalMs.toFixed(0) ?? "?").join("/")} ms`).join(", ")}`;
    progress(`round ${round}/${options.rounds}: ${line.join(", ")}${bursts}`);
  }

  await sleepUntil(performance.now() + SETTLE_MS, deadline);
  for (const state of states) {
    state.pid = await verifiedPid(state.peer, state.pid);
    sampleMemory(state, "end", options.rounds);
  }
  return states.map((state) => state.run);
}

async function killOnce(state: PeerState, measure: MeasureOptions, round: number, what: string): Promise<RestartSample> {
  // The pid must still be the one answering: otherwise something else restarted it and the kill would measure nothing.
  const reply = await probe(state.peer.port, 1_000);
  if (reply?.pid !== state.pid) {
    throw new Error(`${state.peer.name}, round ${round}: expected pid ${state.pid} to answer before the kill, got ${reply ? `pid ${reply.pid}` : "no answer"}`);
  }
  let sample: RestartSample;
  try {
    sample = await killAndMeasure(state.pid, { ...measure, port: state.peer.port });
  } catch (error) {
    throw new Error(`${state.peer.name}, round ${round}, ${what}: ${(error as Error).message}`);
  }
  state.pid = sample.newPid;
  state.servingSince = performance.now();
  return sample;
}

/** The app's pid according to the supervisor, checked against the pid that answers HTTP (and the one expected). */
async function verifiedPid(peer: Peer, expected: number | null): Promise<number> {
  const reported = await peer.appPid();
  const reply = await probe(peer.port, 1_000);
  if (!reply) throw new Error(`${peer.name}: its app does not answer on 127.0.0.1:${peer.port}`);
  if (reply.pid !== reported) throw new Error(`${peer.name} reports app pid ${reported} but pid ${reply.pid} answers on 127.0.0.1:${peer.port}`);
  if (expected !== null && reported !== expected) throw new Error(`${peer.name}: app pid changed from ${expected} to ${reported} without a kill`);
  return reported;
}

function sampleMemory(state: PeerState, phase: MemoryPhase, round: number): void {
  const daemon = readProcessMemory(state.run.daemonPid);
  if (!daemon) throw new Error(`${state.peer.name}: the ${state.peer.daemonLabel} (pid ${state.run.daemonPid}) is gone`);
  state.run.memory.push({ phase, round, daemon, app: readProcessMemory(state.pid) });
}

async function sleepUntil(target: number, deadline: number): Promise<void> {
  checkDeadline(deadline);
  if (target > deadline) throw new Error("the benchmark ran past its time limit");
  await sleep(target - performance.now());
}

function checkDeadline(deadline: number): void {
  if (performance.now() > deadline) throw new Error("the benchmark ran past its time limit");
}
