// `--profile`: one berth proxy worker (the daemon's worker code, run alone) under node --cpu-prof
// while wrk loads it, then where its CPU time went: by kind, by function, and by berth function
// including what it calls.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { ListenerSettings, ProxyTable } from "../../src/proxy/types.js";
import { distinctFreePorts, startChild, waitForBody } from "./processes.js";
import { SITE_HOST, type BenchContext } from "./peers/peer.js";
import { runWrk, type WrkSettings } from "./wrk.js";

export interface ProfileEntry {
  name: string;
  percent: number;
}

export interface ProfileSummary {
  scenario: string;
  requestsPerSecond: number;
  /** Share of samples not idle. */
  busyPercent: number;
  categories: ProfileEntry[];
  topSelf: ProfileEntry[];
  berthInclusive: ProfileEntry[];
  profilePath: string;
}

export interface ProfileTarget {
  scenario: string;
  /** Where its profile is kept, under the profile directory. */
  directoryName: string;
  path: string;
  expected: Buffer;
}

/** Profiles each target in its own worker process; profiles are kept in a directory under the system temp dir. */
export async function profileBerthWorker(
  context: BenchContext,
  targets: ProfileTarget[],
  wrk: WrkSettings,
  warmupSeconds: number,
  progress: (line: string) => void,
): Promise<ProfileSummary[]> {
  const keepDirectory = mkdtempSync(join(tmpdir(), "berth-bench-proxy-profile-"));
  const summaries: ProfileSummary[] = [];
  for (const target of targets) {
    const directory = join(keepDirectory, target.directoryName);
    mkdirSync(directory, { recursive: true });
    const [httpPort, httpsPort] = await distinctFreePorts(2);
    const settings: ListenerSettings = {
      address: "127.0.0.1",
      httpPort: httpPort!,
      httpsPort: httpsPort!,
      workers: 1,
      maxHeaderBytes: 16 * 1024,
      headersTimeoutMs: 10_000,
      idleTimeoutMs: 30_000,
    };
    const worker = await startChild(
      "profiled berth worker",
      context.node,
      ["--cpu-prof", "--cpu-prof-dir", directory, "--cpu-prof-interval", "200", join(context.root, "dist", "bench", "proxy", "profile-worker.js")],
      {
        cwd: directory,
        env: {
          ...process.env,
          BENCH_PROFILE_SETTINGS: JSON.stringify(settings),
          BENCH_PROFILE_TABLE: JSON.stringify(profileTable(context, join(context.directory, "profile-access.log"))),
          BENCH_PROFILE_STATIC_CACHE: join(context.directory, "profile-static-cache"),
        },
        logPath: join(directory, "worker.log"),
      },
    );
    try {
      progress(`profiling one berth worker: ${target.scenario}`);
      await waitForBody(settings.httpPort, target.path, SITE_HOST, target.expected, 15_000);
      const url = `http://127.0.0.1:${settings.httpPort}${target.path}`;
      if (warmupSeconds > 0) await runWrk(url, SITE_HOST, { ...wrk, durationSeconds: warmupSeconds }, false);
      const run = await runWrk(url, SITE_HOST, wrk);
      for (const problem of await worker.stop(30_000)) progress(problem);
      const file = readdirSync(directory).find((name) => name.endsWith(".cpuprofile"));
      if (!file) throw new Error(`no .cpuprofile was written in ${directory}`);
      const profilePath = join(directory, file);
      summaries.push({ scenario: target.scenario, requestsPerSecond: run.result.requestsPerSecond, profilePath, ...analyze(profilePath) });
    } finally {
      if (worker.running) await worker.stop(5_000);
    }
  }
  return summaries;
}

/** The table the daemon would send for the bench stack (see src/proxy/table.ts), with the upstream as the one target. */
function profileTable(context: BenchContext, accessLogPath: string): ProxyTable {
  return {
    sites: [
      {
        stack: "bench-proxy",
        hosts: [SITE_HOST],
        routes: [{ prefix: "/", pool: "bench-proxy/upstream" }],
        static: [{ prefix: "/static/", directory: context.staticDir }],
        redirectHttp: false,
        hstsMaxAgeSeconds: null,
        trustedProxies: [],
        limits: { maxBodyBytes: 64 * 1024 * 1024, upstreamTimeoutMs: 60_000, drainTimeoutMs: 30_000 },
        accessLogPath,
        certificate: null,
      },
    ],
    pools: { "bench-proxy/upstream": [{ host: "127.0.0.1", port: context.upstream.port }] },
    acmeChallenges: {},
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TOP_SELF = 25;
const TOP_BERTH = 20;

function analyze(profilePath: string): Omit<ProfileSummary, "scenario" | "requestsPerSecond" | "profilePath"> {
  const profile = JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample: it belongs to the sample before this one.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + Math.max(0, delta));
  }
  let idle = 0;
  let busy = 0;
  const selfByName = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === "(idle)") {
      idle += time;
      continue;
    }
    busy += time;
    const name = frameName(node);
    selfByName.set(name, (selfByName.get(name) ?? 0) + time);
    const category = categoryOf(node);
    byCategory.set(category, (byCategory.get(category) ?? 0) + time);
    // Inclusive time of berth's own functions: every berth frame on this sample's stack, once each.
    const onStack = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!;
      if (isBerthFrame(frame)) onStack.add(frameName(frame));
    }
    for (const frame of onStack) inclusive.set(frame, (inclusive.get(frame) ?? 0) + time);
  }
  const percentOf = (entries: Map<string, number>, limit: number): ProfileEntry[] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, time]) => ({ name, percent: (time / Math.max(1, busy)) * 100 }));
  return {
    busyPercent: (busy / Math.max(1, busy + idle)) * 100,
    categories: percentOf(byCategory, 10),
    topSelf: percentOf(selfByName, TOP_SELF),
    berthInclusive: percentOf(inclusive, TOP_BERTH),
  };
}

function isBerthFrame(node: ProfileNode): boolean {
  return node.callFrame.url.includes("/dist/src/");
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || "(anonymous native)";
  const where = url.startsWith("node:") ? url : shortUrl(url);
  return `${functionName || "(anonymous)"}  ${where}:${lineNumber + 1}`;
}

function shortUrl(url: string): string {
  const index = url.indexOf("/dist/");
  return index >= 0 ? url.slice(index + 1) : basename(url);
}

function categoryOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "native outside JS (program)";
  if (!url) return "V8 builtins / C++ bindings";
  if (url.includes("/dist/src/")) return "berth JS";
  if (url.startsWith("node:")) return "node core JS";
  return "other JS";
}
