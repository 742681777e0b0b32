// The schedule: every target of every scenario once per round, in an order that rotates each round
// so no peer always runs first (or right after the same neighbour), with CPU time read around each run.
import { sleep } from "../supervisor/system.js";
import { cpuOf, waitForBody } from "./processes.js";
import { SITE_HOST } from "./peers/peer.js";
import { runWrk, type WrkResult, type WrkSettings } from "./wrk.js";

export type ScenarioId = "proxied" | "static-4k" | "static-100k";

/** Something wrk is pointed at: a proxy, or the upstream itself as a reference. */
export interface Target {
  /** "nginx", "caddy", "berth", or "upstream (direct)". */
  label: string;
  /** References (the upstream without a proxy) get no ratio. */
  reference: boolean;
  port: number;
  proxyPids: () => number[];
  upstreamPids: () => number[];
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  path: string;
  /** The body every target must answer with. */
  expected: Buffer;
  targets: Target[];
}

export interface Sample {
  round: number;
  /** Position within its scenario in that round, from 1. */
  position: number;
  wrk: WrkResult;
  /** CPU seconds during the measured run; `proxySystem` is the kernel's part of `proxy`. */
  cpuSeconds: { proxy: number; proxySystem: number; upstream: number; wrk: number };
}

export type Samples = Map<ScenarioId, Map<string, Sample[]>>;

export interface ScheduleOptions {
  rounds: number;
  warmupSeconds: number;
  wrk: WrkSettings;
}

/** Checks each target answers correctly, then runs the rounds; stops with an error past `deadline`. */
export async function runScenarios(scenarios: Scenario[], options: ScheduleOptions, deadline: number, progress: (line: string) => void): Promise<Samples> {
  for (const scenario of scenarios) {
    for (const target of scenario.targets) await waitForBody(target.port, scenario.path, SITE_HOST, scenario.expected, 10_000);
  }
  const samples: Samples = new Map(scenarios.map((scenario) => [scenario.id, new Map(scenario.targets.map((target) => [target.label, [] as Sample[]]))]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const scenario of scenarios) {
      const order = rotate(scenario.targets, round - 1);
      for (const [index, target] of order.entries()) {
        if (performance.now() > deadline) throw new Error("the benchmark ran far past its expected length: stopping");
        progress(`round ${round}/${options.rounds} ${scenario.id}: ${target.label}`);
        const sample = await measure(target, scenario, options, round, index + 1);
        samples.get(scenario.id)!.get(target.label)!.push(sample);
        progress(
          `  ${Math.round(sample.wrk.requestsPerSecond)} req/s, p99 ${sample.wrk.latencyMs.p99.toFixed(2)} ms` +
            (sample.wrk.non2xx3xx > 0 ? `, ${sample.wrk.non2xx3xx} non-2xx/3xx` : ""),
        );
        // Let sockets in TIME_WAIT and the last responses settle before the next peer.
        await sleep(500);
      }
    }
  }
  return samples;
}

async function measure(target: Target, scenario: Scenario, options: ScheduleOptions, round: number, position: number): Promise<Sample> {
  const url = `http://127.0.0.1:${target.port}${scenario.path}`;
  if (options.warmupSeconds > 0) await runWrk(url, SITE_HOST, { ...options.wrk, durationSeconds: options.warmupSeconds }, false);
  const proxyPids = target.proxyPids();
  const upstreamPids = target.upstreamPids();
  const proxyBefore = cpuOf(proxyPids);
  const upstreamBefore = cpuOf(upstreamPids);
  const run = await runWrk(url, SITE_HOST, options.wrk);
  const proxyAfter = cpuOf(proxyPids);
  const upstreamAfter = cpuOf(upstreamPids);
  return {
    round,
    position,
    wrk: run.result,
    cpuSeconds: {
      proxy: proxyAfter.user + proxyAfter.system - proxyBefore.user - proxyBefore.system,
      proxySystem: proxyAfter.system - proxyBefore.system,
      upstream: upstreamAfter.user + upstreamAfter.system - upstreamBefore.user - upstreamBefore.system,
      wrk: run.wrkCpuSeconds,
    },
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
