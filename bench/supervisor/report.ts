// Turns the raw samples into the results (JSON) and the printed tables.
import type { MemorySample, PeerRun } from "./bench.js";
import type { MachineInfo } from "./machine.js";
import type { RestartSample } from "./measure.js";
import type { PeerName } from "./peers.js";
import { ratio, summarize, type Summary } from "./stats.js";

export interface RestartReport {
  /** kill -9 → first HTTP 200 from a new pid. */
  totalMs: Summary | null;
  /** kill -9 → the new node process started (supervisor reaction, including any backoff). */
  reactMs: Summary | null;
  /** node start → listening (the app's boot, inside whatever wrapper the supervisor uses). */
  bootMs: Summary | null;
  /** listening → the poller saw the 200. */
  observeMs: Summary | null;
  samples: RestartSample[];
}

export interface PeerReport {
  name: PeerName;
  version: string;
  daemonLabel: string;
  daemonPid: number;
  port: number;
  restart: {
    stable: RestartReport;
    /** quick[k] is the (k + 2)-th kill of each round. */
    quick: (RestartReport & { kill: number })[];
  };
  memory: {
    daemonRssBytes: Summary | null;
    daemonRssStartBytes: number | null;
    daemonRssEndBytes: number | null;
    daemonPeakBytes: number | null;
    appRssBytes: Summary | null;
    samples: MemorySample[];
  };
}

export interface BenchResults {
  machine: MachineInfo;
  loadAverage1m: { start: number; end: number };
  settings: { rounds: number; burst: number; stableMs: number; pollMs: number; app: string; startedAt: string; durationSeconds: number };
  peers: { berth: PeerReport; pm2: PeerReport };
  /** berth / pm2. */
  ratios: {
    restartMedian: number | null;
    restartP95: number | null;
    quickRestartMedian: { kill: number; ratio: number | null }[];
    daemonRssMedian: number | null;
  };
}

export function buildResults(input: {
  machine: MachineInfo;
  loadAverage1m: { start: number; end: number };
  settings: BenchResults["settings"];
  runs: readonly PeerRun[];
}): BenchResults {
  const byName = (name: PeerName): PeerReport => {
    const run = input.runs.find((candidate) => candidate.name === name);
    if (!run) throw new Error(`no results for ${name}`);
    return peerReport(run);
  };
  const berth = byName("berth");
  const pm2 = byName("pm2");
  return {
    machine: input.machine,
    loadAverage1m: input.loadAverage1m,
    settings: input.settings,
    peers: { berth, pm2 },
    ratios: {
      restartMedian: ratio(berth.restart.stable.totalMs?.median, pm2.restart.stable.totalMs?.median),
      restartP95: ratio(berth.restart.stable.totalMs?.p95, pm2.restart.stable.totalMs?.p95),
      quickRestartMedian: berth.restart.quick.map((quick, index) => ({
        kill: quick.kill,
        ratio: ratio(quick.totalMs?.median, pm2.restart.quick[index]?.totalMs?.median),
      })),
      daemonRssMedian: ratio(berth.memory.daemonRssBytes?.median, pm2.memory.daemonRssBytes?.median),
    },
  };
}

function peerReport(run: PeerRun): PeerReport {
  const appRss = run.memory.flatMap((sample) => (sample.app ? [sample.app.rssBytes] : []));
  const last = run.memory.at(-1);
  return {
    name: run.name,
    version: run.version,
    daemonLabel: run.daemonLabel,
    daemonPid: run.daemonPid,
    port: run.port,
    restart: {
      stable: restartReport(run.stable),
      quick: run.burst.map((samples, index) => ({ kill: index + 2, ...restartReport(samples) })),
    },
    memory: {
      daemonRssBytes: summarize(run.memory.map((sample) => sample.daemon.rssBytes)),
      daemonRssStartBytes: run.memory.find((sample) => sample.phase === "start")?.daemon.rssBytes ?? null,
      daemonRssEndBytes: run.memory.filter((sample) => sample.phase === "end").at(-1)?.daemon.rssBytes ?? null,
      daemonPeakBytes: last?.daemon.peakBytes ?? null,
      appRssBytes: summarize(appRss),
      samples: run.memory,
    },
  };
}

function restartReport(samples: RestartSample[]): RestartReport {
  return {
    totalMs: summarize(samples.map((sample) => sample.totalMs)),
    reactMs: summarize(samples.map((sample) => sample.reactMs)),
    bootMs: summarize(samples.map((sample) => sample.bootMs)),
    observeMs: summarize(samples.map((sample) => sample.observeMs)),
    samples,
  };
}

// ---- text ----

export function formatResults(results: BenchResults): string {
  const { machine, settings, peers, ratios } = results;
  const { berth, pm2 } = peers;
  const out: string[] = [];
  out.push("berth vs PM2: supervisor benchmark", "");
  out.push(
    `machine: nproc ${machine.nproc}, ${machine.cpuModel}, ${mib(machine.memoryBytes, 0)} RAM, ${machine.kernel}`,
    `versions: node ${machine.node}, pm2 ${machine.pm2}, berth ${machine.berth}${machine.berthCommit ? ` (${machine.berthCommit})` : ""}`,
    `load average (1 min): ${results.loadAverage1m.start.toFixed(2)} at start, ${results.loadAverage1m.end.toFixed(2)} at end`,
    `app: ${settings.app}, one process each; berth on 127.0.0.1:${berth.port} (port: ${berth.port}, replicas: 1), ` +
      `pm2 on 127.0.0.1:${pm2.port} (fork mode, defaults)`,
    `schedule: ${settings.rounds} rounds, each kills both apps once after >= ${(settings.stableMs / 1000).toFixed(1)} s of uptime` +
      (settings.burst > 0 ? `, then ${settings.burst} more times each as soon as it serves again` : "") +
      `; peers alternate who goes first; HTTP poll every ${settings.pollMs} ms; took ${settings.durationSeconds.toFixed(0)} s`,
    "",
  );

  out.push("Restart after kill -9, in ms (total = kill -> first HTTP 200 from a new pid;");
  out.push("  reaction = kill -> new node process started; boot = node start -> listening; seen = listening -> poller's 200)");
  const header = ["", "berth median", "p95", "min", "max", "pm2 median", "p95", "min", "max", "berth/pm2 median", "p95"];
  const rows: string[][] = [];
  const addGroup = (title: string, a: RestartReport, b: RestartReport) => {
    rows.push([`${title}, n=${a.samples.length}/${b.samples.length}`]);
    rows.push(restartRow("  total", a.totalMs, b.totalMs));
    rows.push(restartRow("  reaction", a.reactMs, b.reactMs));
    rows.push(restartRow("  boot", a.bootMs, b.bootMs));
    rows.push(restartRow("  seen", a.observeMs, b.observeMs));
  };
  addGroup(`after a stable run (first crash)`, berth.restart.stable, pm2.restart.stable);
  berth.restart.quick.forEach((quick, index) => {
    const other = pm2.restart.quick[index];
    if (other) addGroup(`quick kill #${quick.kill} (uptime < 1 s)`, quick, other);
  });
  out.push(formatTable(header, rows), "");

  out.push("Supervisor daemon memory, VmRSS from /proc/<pid>/status, in MiB (the app running)");
  const memoryHeader = ["", `berth daemon (pid ${berth.daemonPid})`, `PM2 God daemon (pid ${pm2.daemonPid})`, "berth/pm2"];
  const memoryRow = (title: string, a: number | null | undefined, b: number | null | undefined): string[] => [
    title,
    a === null || a === undefined ? "-" : mib(a, 1),
    b === null || b === undefined ? "-" : mib(b, 1),
    formatRatio(ratio(a, b)),
  ];
  const samples = berth.memory.daemonRssBytes?.n ?? 0;
  out.push(
    formatTable(memoryHeader, [
      memoryRow(`median of ${samples} samples`, berth.memory.daemonRssBytes?.median, pm2.memory.daemonRssBytes?.median),
      memoryRow("min", berth.memory.daemonRssBytes?.min, pm2.memory.daemonRssBytes?.min),
      memoryRow("max", berth.memory.daemonRssBytes?.max, pm2.memory.daemonRssBytes?.max),
      memoryRow("at start (before any kill)", berth.memory.daemonRssStartBytes, pm2.memory.daemonRssStartBytes),
      memoryRow("at end (after every kill)", berth.memory.daemonRssEndBytes, pm2.memory.daemonRssEndBytes),
      memoryRow("peak (VmHWM at end)", berth.memory.daemonPeakBytes, pm2.memory.daemonPeakBytes),
      memoryRow("app process, median (for reference)", berth.memory.appRssBytes?.median, pm2.memory.appRssBytes?.median),
    ]),
    "",
  );

  const stableA = berth.restart.stable.totalMs;
  const stableB = pm2.restart.stable.totalMs;
  out.push(
    `restart after kill -9: berth median ${ms(stableA?.median)}, pm2 median ${ms(stableB?.median)}, ratio berth/pm2 ${formatRatio(ratios.restartMedian)}` +
      ` (p95: berth ${ms(stableA?.p95)}, pm2 ${ms(stableB?.p95)}, ratio ${formatRatio(ratios.restartP95)})`,
  );
  berth.restart.quick.forEach((quick, index) => {
    const other = pm2.restart.quick[index];
    out.push(
      `restart after quick kill #${quick.kill}: berth median ${ms(quick.totalMs?.median)}, pm2 median ${ms(other?.totalMs?.median)}, ` +
        `ratio berth/pm2 ${formatRatio(ratios.quickRestartMedian[index]?.ratio ?? null)}`,
    );
  });
  out.push(
    `daemon memory (VmRSS): berth median ${mibOrDash(berth.memory.daemonRssBytes?.median)}, pm2 median ${mibOrDash(pm2.memory.daemonRssBytes?.median)}, ` +
      `ratio berth/pm2 ${formatRatio(ratios.daemonRssMedian)}`,
  );
  return out.join("\n");
}

function restartRow(title: string, a: Summary | null, b: Summary | null): string[] {
  const cells = (summary: Summary | null) =>
    summary ? [summary.median, summary.p95, summary.min, summary.max].map((value) => value.toFixed(1)) : ["-", "-", "-", "-"];
  return [title, ...cells(a), ...cells(b), formatRatio(ratio(a?.median, b?.median)), formatRatio(ratio(a?.p95, b?.p95))];
}

function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.filter((row) => row.length > 1).map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row.length === 1
      ? (row[0] ?? "")
      : row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function formatRatio(value: number | null): string {
  return value === null ? "-" : value.toFixed(2);
}

function ms(value: number | undefined): string {
  return value === undefined ? "-" : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function mib(bytes: number, digits: number): string {
  return `${(bytes / 1024 / 1024).toFixed(digits)}${digits === 0 ? " MiB" : ""}`;
}

function mibOrDash(bytes: number | undefined): string {
  return bytes === undefined ? "-" : `${mib(bytes, 1)} MiB`;
}
