import { spawn } from "node:child_process";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";

/** Runs one build step or hook in the release directory, its output going live to the terminal. */
export function runStep(kind: string, command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
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
