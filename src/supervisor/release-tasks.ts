import { spawn } from "node:child_process";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import type { RotatingLogFile } from "../logs/index.js";
import { redactText } from "../config/secrets.js";
import { throwIfCancelled } from "../daemon/operation-queue.js";
import { terminateProcessGroup } from "./process-group.js";

const OUTPUT_TAIL_LINES = 40;
/** A cancelled release task gets this long to stop before SIGKILL. */
const CANCEL_GRACE_MS = 5_000;

export interface ReleaseTaskOptions {
  commands: string[];
  cwd: string;
  env: Record<string, string>;
  log: RotatingLogFile;
  secretValues: string[];
  onProgress: (message: string) => void;
  /** Cancels the running task (its whole process group) and the ones after it. */
  signal?: AbortSignal;
  /** The user the tasks run as (src/supervisor/run-as-user.ts); null: berth's own. */
  user?: { uid: number; gid: number } | null;
}

/** Runs release tasks (migrate, collectstatic) one after another; the first failure stops the rest. */
export async function runReleaseTasks(options: ReleaseTaskOptions): Promise<void> {
  for (const command of options.commands) {
    throwIfCancelled(options.signal);
    options.onProgress(`release: ${command}`);
    options.log.writeLine("err", `[berth] release task: ${command}`);
    const { code, tail } = await runTask(command, options);
    throwIfCancelled(options.signal);
    if (code !== 0) {
      options.log.writeLine("err", `[berth] release task failed with exit code ${code}`);
      throw new UserError(`release task failed (exit code ${code}): ${command}`, {
        exitCode: EXIT_STACK_FAILED,
        details: redactText(tail.join("\n"), options.secretValues),
        hint: "fix the task or the code it runs, then run `berth up` again; the full output is in `berth logs release`",
      });
    }
  }
}

function runTask(command: string, options: ReleaseTaskOptions): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const identity = options.user ? { uid: options.user.uid, gid: options.user.gid } : {};
    const child = spawn("/bin/sh", ["-c", command], { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"], ...identity });
    const remember = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      }
    };
    child.stdout!.on("data", remember);
    child.stderr!.on("data", remember);
    options.log.attachStream(child.stdout!, "out");
    options.log.attachStream(child.stderr!, "err");
    child.once("error", (error) => {
      tail.push(error.message);
      resolve({ code: 127, tail });
    });
    // Cancelled (berth down, Ctrl+C): the whole group is asked to stop, then killed; a task that
    // left a child holding its output must not keep the operation waiting for 'close'.
    const cancel = () => {
      if (!child.pid) return;
      void terminateProcessGroup(child.pid, "SIGTERM", CANCEL_GRACE_MS, options.log).then(() => resolve({ code: null, tail }));
    };
    options.signal?.addEventListener("abort", cancel, { once: true });
    child.once("close", (code) => {
      options.signal?.removeEventListener("abort", cancel);
      resolve({ code, tail });
    });
  });
}
