// Medians, ratios and the printed tables (or JSON).
import type { Samples, Scenario, ScenarioId, Sample } from "./bench.js";
import type { MachineInfo } from "./machine.js";
import type { ProfileSummary } from "./profile.js";

export interface TargetSummary {
  label: string;
  reference: boolean;
  rounds: number;
  /** Medians over the rounds. */
  requestsPerSecond: number;
  minRequestsPerSecond: number;
  maxRequestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU microseconds per request (median over rounds): the proxy's processes, the upstream's, wrk's. */
  cpuMicrosPerRequest: { proxy: number; upstream: number; wrk: number };
  /** The kernel's share of the proxy's CPU time (median). */
  proxySystemShare: number;
  /** Share of all CPUs busy with proxy + upstream + wrk during the run (median). */
  machineBusy: number;
  /** Summed over the rounds. */
  non2xx3xx: number;
  socketErrors: number;
  samples: Sample[];
}

export interface Ratio {
  scenario: ScenarioId;
  peer: string;
  /** berth's median req/s over the peer's: above 1, berth serves more. */
  requestsPerSecond: number;
  /** berth's median p99 over the peer's: below 1, berth's tail is shorter. */
  p99: number;
  /** berth's proxy CPU per request over the peer's: above 1, berth spends more CPU on each request. */
  cpuPerRequest: number;
}

export interface ScenarioSummary {
  id: ScenarioId;
  title: string;
  path: string;
  bytes: number;
  targets: TargetSummary[];
}

export interface Results {
  machine: MachineInfo;
  loadAverage1m: { start: number; end: number };
  settings: {
    wrk: string;
    durationSeconds: number;
    warmupSeconds: number;
    rounds: number;
    workers: number;
    upstream: string;
    staticNote: string;
    startedAt: string;
    durationTotalSeconds: number;
  };
  scenarios: ScenarioSummary[];
  ratios: Ratio[];
  goals: { berthAtLeastCaddy: boolean | null; berthAtLeastHalfNginx: boolean | null };
  warnings: string[];
  profiles: ProfileSummary[];
}

export function summarize(scenarios: Scenario[], samples: Samples, nproc: number): { summaries: ScenarioSummary[]; ratios: Ratio[]; warnings: string[] } {
  const warnings: string[] = [];
  const summaries = scenarios.map((scenario) => ({
    id: scenario.id,
    title: scenario.title,
    path: scenario.path,
    bytes: scenario.expected.length,
    targets: scenario.targets.map((target) => {
      const list = samples.get(scenario.id)?.get(target.label) ?? [];
      const summary = summarizeTarget(target.label, target.reference, list, nproc);
      if (summary.non2xx3xx > 0) warnings.push(`${scenario.id} ${target.label}: ${summary.non2xx3xx} responses outside 2xx/3xx`);
      if (summary.socketErrors > 0) warnings.push(`${scenario.id} ${target.label}: ${summary.socketErrors} socket errors (connect/read/write/timeout)`);
      return summary;
    }),
  }));
  const ratios: Ratio[] = [];
  for (const scenario of summaries) {
    const berth = scenario.targets.find((target) => target.label === "berth");
    if (!berth) continue;
    for (const peer of scenario.targets) {
      if (peer.reference || peer === berth) continue;
      ratios.push({
        scenario: scenario.id,
        peer: peer.label,
        requestsPerSecond: berth.requestsPerSecond / peer.requestsPerSecond,
        p99: berth.p99Ms / peer.p99Ms,
        cpuPerRequest: berth.cpuMicrosPerRequest.proxy / peer.cpuMicrosPerRequest.proxy,
      });
    }
  }
  return { summaries, ratios, warnings };
}

function summarizeTarget(label: string, reference: boolean, samples: Sample[], nproc: number): TargetSummary {
  const rates = samples.map((sample) => sample.wrk.requestsPerSecond);
  const perRequest = (pick: (sample: Sample) => number) => median(samples.map((sample) => (pick(sample) / Math.max(1, sample.wrk.requests)) * 1e6));
  return {
    label,
    reference,
    rounds: samples.length,
    requestsPerSecond: median(rates),
    minRequestsPerSecond: Math.min(...rates),
    maxRequestsPerSecond: Math.max(...rates),
    p50Ms: median(samples.map((sample) => sample.wrk.latencyMs.p50)),
    p99Ms: median(samples.map((sample) => sample.wrk.latencyMs.p99)),
    cpuMicrosPerRequest: {
      proxy: perRequest((sample) => sample.cpuSeconds.proxy),
      upstream: perRequest((sample) => sample.cpuSeconds.upstream),
      wrk: perRequest((sample) => sample.cpuSeconds.wrk),
    },
    proxySystemShare: median(samples.map((sample) => sample.cpuSeconds.proxySystem / Math.max(1e-9, sample.cpuSeconds.proxy))),
    machineBusy: median(
      samples.map((sample) => (sample.cpuSeconds.proxy + sample.cpuSeconds.upstream + sample.cpuSeconds.wrk) / (sample.wrk.seconds * nproc)),
    ),
    non2xx3xx: samples.reduce((sum, sample) => sum + sample.wrk.non2xx3xx, 0),
    socketErrors: samples.reduce((sum, sample) => {
      const errors = sample.wrk.socketErrors;
      return sum + errors.connect + errors.read + errors.write + errors.timeout;
    }, 0),
    samples,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function goalsFrom(ratios: Ratio[]): Results["goals"] {
  const caddy = ratios.find((ratio) => ratio.scenario === "proxied" && ratio.peer === "caddy");
  const nginx = ratios.find((ratio) => ratio.scenario === "proxied" && ratio.peer === "nginx");
  return {
    berthAtLeastCaddy: caddy ? caddy.requestsPerSecond >= 1 : null,
    berthAtLeastHalfNginx: nginx ? nginx.requestsPerSecond >= 0.5 : null,
  };
}

export function formatResults(results: Results): string {
  const { machine, settings } = results;
  const lines: string[] = [];
  lines.push("berth proxy benchmark");
  lines.push(
    `machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ${machine.kernel}`,
  );
  lines.push(
    `versions: node ${machine.versions.node}, nginx ${machine.versions.nginx}, caddy ${machine.versions.caddy}, wrk ${machine.versions.wrk}, ` +
      `berth ${machine.versions.berth}${machine.berthCommit ? ` (${machine.berthCommit})` : ""}`,
  );
  lines.push(`load average (1 min): ${results.loadAverage1m.start.toFixed(2)} at start, ${results.loadAverage1m.end.toFixed(2)} at end`);
  lines.push(
    `load: ${settings.wrk}, ${settings.warmupSeconds} s warm-up before each run, ${settings.rounds} rounds (peers alternate; medians shown), ` +
      `plain HTTP/1.1 keep-alive on 127.0.0.1`,
  );
  lines.push(`workers: ${settings.workers} (berth proxy workers = nginx worker_processes = Caddy GOMAXPROCS)`);
  lines.push(`upstream: ${settings.upstream}`);
  lines.push(`static: ${settings.staticNote}`);
  lines.push(
    `wrk runs on the same ${machine.nproc} CPUs: "wrk µs/req" below is its own CPU per request, "busy" how much of the machine ` +
      "proxy + upstream + wrk used (near 100%: req/s measures CPU cost per request more than proxy speed), " +
      "and \"(kernel)\" the system-call share of the proxy's CPU time.",
  );

  for (const scenario of results.scenarios) {
    lines.push("");
    lines.push(`${scenario.title} — GET ${scenario.path} (${formatBytes(scenario.bytes)} body)`);
    const header = ["", "req/s", "min–max", "p50", "p99", "proxy µs/req", "(kernel)", "upstream µs/req", "wrk µs/req", "busy", "errors"];
    const rows = scenario.targets.map((target) => [
      target.label,
      formatInteger(target.requestsPerSecond),
      `${formatInteger(target.minRequestsPerSecond)}–${formatInteger(target.maxRequestsPerSecond)}`,
      formatMs(target.p50Ms),
      formatMs(target.p99Ms),
      target.reference ? "—" : target.cpuMicrosPerRequest.proxy.toFixed(1),
      target.reference ? "" : `${Math.round(target.proxySystemShare * 100)}%`,
      scenario.id === "proxied" ? target.cpuMicrosPerRequest.upstream.toFixed(1) : "—",
      target.cpuMicrosPerRequest.wrk.toFixed(1),
      `${Math.round(target.machineBusy * 100)}%`,
      String(target.non2xx3xx + target.socketErrors),
    ]);
    lines.push(...table([header, ...rows]));
  }

  lines.push("");
  for (const scenario of results.scenarios) {
    const ratios = results.ratios.filter((ratio) => ratio.scenario === scenario.id);
    if (ratios.length === 0) continue;
    const name = scenario.id === "proxied" ? "proxied" : `static ${formatBytes(scenario.bytes)}`;
    lines.push(
      `${name}: ${ratios.map((ratio) => `berth/${ratio.peer} ${ratio.requestsPerSecond.toFixed(2)}`).join(", ")}` +
        `   (p99 ${ratios.map((ratio) => `berth/${ratio.peer} ${ratio.p99.toFixed(2)}`).join(", ")};` +
        ` proxy CPU per request ${ratios.map((ratio) => `berth/${ratio.peer} ${ratio.cpuPerRequest.toFixed(2)}`).join(", ")})`,
    );
  }
  const goal = (met: boolean | null) => (met === null ? "not measured" : met ? "met" : "NOT met");
  lines.push(
    `goal (proxied req/s): berth ≥ Caddy: ${goal(results.goals.berthAtLeastCaddy)}; berth ≥ ½ nginx: ${goal(results.goals.berthAtLeastHalfNginx)}`,
  );
  for (const warning of results.warnings) lines.push(`warning: ${warning}`);
  for (const profile of results.profiles) lines.push("", ...formatProfile(profile));
  return lines.join("\n");
}

function formatProfile(profile: ProfileSummary): string[] {
  const lines = [
    `profile: one berth proxy worker alone (node --cpu-prof), ${profile.scenario}: ${formatInteger(profile.requestsPerSecond)} req/s, ` +
      `${profile.busyPercent.toFixed(0)}% of its samples busy (the rest idle, waiting on the upstream or wrk); shares below are of busy time`,
  ];
  lines.push(`  by kind: ${profile.categories.map((category) => `${category.name} ${category.percent.toFixed(1)}%`).join(", ")}`);
  lines.push("  top self time:");
  for (const entry of profile.topSelf) lines.push(`    ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
  lines.push("  berth functions, inclusive time (their own code and everything they call):");
  for (const entry of profile.berthInclusive) lines.push(`    ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
  lines.push(`  raw profile: ${profile.profilePath}`);
  return lines;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd(),
  );
}

function formatInteger(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—";
}

function formatMs(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} B`;
}
