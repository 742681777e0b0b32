import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import { LineSplitter } from "../logs/line-splitter.js";
import { liveRelease, type DeployOrigin, type ReleaseRecord } from "../release/history.js";
import { berthHome } from "../util/paths.js";

// "Deploy the current source" runs the berth CLI itself, exactly as the user ran it (recorded with
// the live release): build steps run in a child process, not in the daemon, and the deploy takes
// the same lock and queue as `berth deploy` from a terminal. Its output is the action's progress.

const RELEASE_PREPARING = /\brelease (\S+): preparing /;
const BERTH_BIN = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

export interface ReleaseLister {
  releases(stack: string): ReleaseRecord[];
}

/** `berth [-f FILE…] [-d NAME] deploy --path DIR | --ref REF`, as the live release was deployed. */
export function deployArguments(origin: DeployOrigin): string[] {
  const files = origin.files.flatMap((file) => ["-f", file]);
  const destination = origin.destination ? ["-d", origin.destination] : [];
  const source = origin.source.kind === "ref" ? ["--ref", origin.source.ref] : ["--path", origin.source.directory];
  return [...files, ...destination, "deploy", ...source];
}

export async function deployCurrentSource(manager: ReleaseLister, stack: string, progress: (message: string) => void): Promise<string> {
  const live = liveRelease(manager.releases(stack));
  if (!live) throw new UserError(`${stack} has no live release to take the source from`, { hint: "deploy it once with `berth deploy`" });
  if (!live.origin) {
    throw new UserError(`release ${live.id} does not say where it was deployed from (it predates that record)`, {
      hint: "run `berth deploy` once in the stack's directory; its later deploys can be started from here",
    });
  }
  const args = deployArguments(live.origin);
  progress(`$ berth ${args.join(" ")}   (in ${live.origin.directory})`);
  // The CLI names its release first thing ("release <id>: preparing …"): that one, not another deploy's made meanwhile.
  let releaseId: string | null = null;
  const exit = await runBerth(args, live.origin.directory, (line) => {
    releaseId ??= RELEASE_PREPARING.exec(line)?.[1] ?? null;
    progress(line);
  });
  const made = releaseId === null ? undefined : manager.releases(stack).find((release) => release.id === releaseId);
  const madeText = made ? `release ${made.id} is ${made.status}${made.error ? ` (${made.error})` : ""}` : "no release was recorded";
  if (exit !== 0) throw new UserError(`berth deploy ${exit}; ${madeText}`);
  if (!made) throw new UserError(`berth deploy exited with status 0 but ${madeText}`);
  return `berth deploy exited with status 0; ${madeText}`;
}

/** Runs the CLI with the daemon's environment; resolves to 0 or to how it failed ("exited with status 1"). */
function runBerth(args: string[], cwd: string, progress: (message: string) => void): Promise<0 | string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BERTH_BIN, ...args], {
      cwd,
      env: { ...process.env, BERTH_HOME: berthHome(), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [child.stdout, child.stderr]) {
      const splitter = new LineSplitter((line) => progress(line));
      stream.on("data", (chunk: Buffer) => splitter.push(chunk));
      stream.once("end", () => splitter.flush());
    }
    child.once("error", reject);
    child.once("close", (code, signal) => resolve(code === 0 ? 0 : signal ? `was killed by ${signal}` : `exited with status ${code}`));
  });
}
