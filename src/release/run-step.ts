import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { redactText } from "../config/secrets.js";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import { LineSplitter } from "../logs/line-splitter.js";

/**
 * Runs one build step or hook in the release directory, its output going live to the terminal,
 * line by line with every secret value written as ********.
 */
export function runStep(kind: string, command: string, cwd: string, env: Record<string, string>, secretValues: readonly string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const copy = (from: NodeJS.ReadableStream, to: Writable) => {
      const splitter = new LineSplitter((line) => to.write(redactText(line, secretValues) + "\n"));
      from.on("data", (chunk: Buffer) => splitter.push(chunk));
      from.once("end", () => splitter.flush());
    };
    copy(child.stdout!, process.stdout);
    copy(child.stderr!, process.stderr);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new UserError(`${kind} failed (${signal ? `killed by ${signal}` : `exit code ${code}`}): ${command}`, {
            exitCode: EXIT_STACK_FAILED,
            hint: "its output is above; the running release was not touched",
          }),
        );
    });
  });
}
