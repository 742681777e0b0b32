// Entry point of `npm run bench:cli`: the CPU one CLI call costs, berth against `node -e 0` and PM2.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readPackageVersion, repositoryRoot, runCommand } from "../supervisor/system.js";

const USAGE = `usage: npm run bench:cli -- [--runs N] [--json]
       node dist/bench/cli/run.js [--runs N] [--json]

CPU time (user + sys, of the process and everything it waited for) of one call of:
node -e 0, berth --version, berth ps (a running one-service stack), pm2 jlist (one app running).
--runs N   calls of each, interleaved (default 20, or BENCH_RUNS)
--json     print the results as JSON`;

interface Subject {
  label: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

interface Measured {
  label: string;
  medianMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

/** Clock ticks per second for /proc's times; 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS_PER_SECOND = 100;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } } });
  if (values.help) return void process.stdout.write(`${USAGE}\n`), 0;
  const runs = Number(values.runs ?? process.env.BENCH_RUNS ?? 20);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs expects a positive whole number\n\n${USAGE}`);
  if (process.platform !== "linux") throw new Error("this benchmark reads /proc: it runs on Linux only");

  const root = repositoryRoot();
  const node = process.execPath;
  const berthBin = join(root, "bin", "berth.js");
  const pm2Bin = join(root, "node_modules", "pm2", "bin", "pm2");
  const directory = mkdtempSync(join(tmpdir(), "berth-bench-cli-"));
  const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const idleApp = join(directory, "idle.mjs");
  writeFileSync(idleApp, "setInterval(() => {}, 1 << 30);\n");
  writeFileSync(join(directory, "berth.yml"), `name: bench-cli\nservices:\n  app:\n    command: ${node} ${idleApp}\n`);
  const berthEnv = { ...process.env, BERTH_HOME: join(directory, "berth-home"), NO_COLOR: "1" };
  const pm2Env = { ...process.env, PM2_HOME: join(directory, "pm2-home") };
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    progress("starting a one-service berth stack and one PM2 app");
    cleanups.push(() => runCommand(node, [berthBin, "daemon", "stop", "--all"], { cwd: directory, env: berthEnv }));
    await runCommand(node, [berthBin, "up", "-d"], { cwd: directory, env: berthEnv, timeoutMs: 120_000 });
    cleanups.push(() => runCommand(node, [pm2Bin, "kill"], { cwd: directory, env: pm2Env }));
    await runCommand(node, [pm2Bin, "start", idleApp, "--name", "bench-cli-app", "--interpreter", node], { cwd: directory, env: pm2Env, timeoutMs: 120_000 });

    const subjects: Subject[] = [
      { label: "node -e 0", args: ["-e", "0"], cwd: directory, env: process.env },
      { label: "berth --version", args: [berthBin, "--version"], cwd: directory, env: berthEnv },
      { label: "berth ps", args: [berthBin, "ps"], cwd: directory, env: berthEnv },
      { label: "pm2 jlist", args: [pm2Bin, "jlist"], cwd: directory, env: pm2Env },
    ];
    for (const subject of subjects) measureOnce(node, subject); // warm the page cache and the daemons
    progress(`${runs} interleaved calls of each`);
    const samples = subjects.map(() => [] as number[]);
    for (let run = 0; run < runs; run++) subjects.forEach((subject, index) => samples[index]!.push(measureOnce(node, subject)));
    const results = subjects.map((subject, index) => summarise(subject.label, samples[index]!));
    const ratio = (a: string, b: string) => byLabel(results, a).meanMs / byLabel(results, b).meanMs;
    const report = {
      node: process.version,
      berth: readPackageVersion(join(root, "package.json")),
      pm2: readPackageVersion(join(root, "node_modules", "pm2", "package.json")),
      runs,
      results,
      ratios: { "berth --version / node -e 0": ratio("berth --version", "node -e 0"), "berth ps / pm2 jlist": ratio("berth ps", "pm2 jlist") },
    };
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => progress(`cleanup: ${String(error)}`));
    rmSync(directory, { recursive: true, force: true });
  }
}

/** CPU of one call, in ms: the growth of this process's reaped-children times (/proc/self/stat cutime + cstime). */
function measureOnce(node: string, subject: Subject): number {
  const before = childrenCpuTicks();
  const result = spawnSync(node, subject.args, { cwd: subject.cwd, env: subject.env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${subject.label} exited ${result.status ?? result.signal}: ${String(result.stderr).trim()}`);
  return ((childrenCpuTicks() - before) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function childrenCpuTicks(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name (which may hold spaces) start at field 3; cutime, cstime are 16, 17.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[13]) + Number(fields[14]);
}

function summarise(label: string, samples: number[]): Measured {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { label, medianMs: median, meanMs: samples.reduce((sum, value) => sum + value, 0) / samples.length, minMs: sorted[0]!, maxMs: sorted.at(-1)! };
}

function byLabel(results: Measured[], label: string): Measured {
  return results.find((result) => result.label === label)!;
}

function formatReport(report: { node: string; berth: string; pm2: string; runs: number; results: Measured[]; ratios: Record<string, number> }): string {
  const lines = [`CPU per call (user + sys), ${report.runs} calls each; node ${report.node}, berth ${report.berth}, pm2 ${report.pm2}`, ""];
  lines.push(`${"command".padEnd(18)}${"mean".padStart(9)}${"median".padStart(9)}${"min".padStart(9)}${"max".padStart(9)}`);
  for (const result of report.results) {
    lines.push(`${result.label.padEnd(18)}${[result.meanMs, result.medianMs, result.minMs, result.maxMs].map((ms) => `${ms.toFixed(1)}ms`.padStart(9)).join("")}`);
  }
  lines.push("");
  for (const [name, value] of Object.entries(report.ratios)) lines.push(`${name.padEnd(30)} ${value.toFixed(2)}×`);
  return `${lines.join("\n")}\n`;
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`[bench] ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
