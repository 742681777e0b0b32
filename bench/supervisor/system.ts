// Small helpers around processes, /proc and the repository layout.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const LOOPBACK = "127.0.0.1";

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a command to completion; rejects with its output when it fails or runs past the timeout. */
export function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stderr}${stdout}`.trim().split("\n").slice(-15).join("\n");
          reject(new Error(`${[file, ...args].join(" ")} failed: ${error.message.split("\n")[0]}${output ? `\n${output}` : ""}`));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Wall-clock time in epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Whether the pid is a live process (a zombie waiting for its parent counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export interface ProcessMemory {
  /** Resident set size now (VmRSS), in bytes. */
  rssBytes: number;
  /** Peak resident set size (VmHWM), in bytes. */
  peakBytes: number;
}

/** Reads VmRSS and VmHWM from /proc/<pid>/status; null when the process is gone. */
export function readProcessMemory(pid: number): ProcessMemory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    return match?.[1] === undefined ? null : Number(match[1]) * 1024;
  };
  const rssBytes = field("VmRSS");
  if (rssBytes === null) return null;
  return { rssBytes, peakBytes: field("VmHWM") ?? rssBytes };
}

export function readCommandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return null;
  }
}

/** Asks the kernel for a free loopback port (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}

/** Resolves when nothing accepts connections on the port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/** The repository root: the nearest directory above this file whose package.json is berth's. */
export function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, "package.json");
    if (existsSync(manifest)) {
      const parsed: unknown = JSON.parse(readFileSync(manifest, "utf8"));
      if (isRecord(parsed) && parsed.name === "berth") return directory;
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error("could not find berth's package.json above the benchmark");
    directory = parent;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readPackageVersion(manifestPath: string): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifestPath, "utf8"));
    return isRecord(parsed) && typeof parsed.version === "string" ? parsed.version : "unknown";
  } catch {
    return "unknown";
  }
}

/** The commit being measured, marked when src/ has uncommitted changes. */
export function gitCommit(root: string): string | null {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return dirty ? `${commit} + uncommitted changes in src/` : commit;
  } catch {
    return null;
  }
}

/**
 * Parses the benchmark's arguments; prints usage and returns the exit code instead when the run
 * should not go on (a bad flag, --help, not Linux).
 */
export function readBenchOptions<T extends { help?: boolean }>(parse: (argv: string[], env: NodeJS.ProcessEnv) => T, usage: string): T | number {
  let options: T;
  try {
    options = parse(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    return 1;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (process.platform !== "linux") {
    process.stderr.write("this benchmark reads /proc: it runs on Linux only\n");
    return 1;
  }
  return options;
}

/** Last resort if something hangs outside the loops' own deadlines (a CLI call that never returns). */
export function startWatchdog(budgetMs: number, progress: (line: string) => void, stopAll: () => Promise<unknown>): NodeJS.Timeout {
  return setTimeout(() => {
    progress(`still running after ${Math.round(budgetMs / 1000)} s: giving up`);
    void stopAll().finally(() => process.exit(1));
  }, budgetMs + 120_000);
}
