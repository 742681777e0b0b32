import { spawn } from "node:child_process";
import { basename } from "node:path";
import type { Readable, Writable } from "node:stream";
import { redactText } from "../config/secrets.js";
import { EXIT_STACK_FAILED, UserError } from "../errors.js";
import type { SystemUser } from "./run-as.js";

// Runs the servers' own tools (initdb, psql, pg_dump, mariadb-dump, redis-cli, sqlite3) with an
// argv (no shell), passwords in the environment or on stdin, never on the command line.

export interface RunProgramOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Run as this user (the server's own, when berth is root). */
  user?: SystemUser | null;
  /** Text or a stream for stdin. */
  input?: string | Readable;
  /** Where stdout goes; by default it is collected and returned. */
  output?: Writable;
  timeoutMs?: number;
  /** Values scrubbed from the error output shown to the user. */
  secretValues?: string[];
}

const ERROR_TAIL_LINES = 20;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export function runProgram(program: string, args: readonly string[], options: RunProgramOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    if (options.output) child.stdout.pipe(options.output);
    else child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-16_384)));
    // A program that exits without reading all of stdin must not crash berth with EPIPE.
    child.stdin.on("error", () => {});
    let inputError: Error | null = null;
    if (typeof options.input === "string") child.stdin.end(options.input);
    else if (options.input) {
      options.input.once("error", (error) => {
        inputError = error;
        child.kill("SIGKILL");
      });
      options.input.pipe(child.stdin);
    } else child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new UserError(`could not run ${program}: ${error.message}`, { exitCode: EXIT_STACK_FAILED, hint: "`berth doctor` checks the programs berth needs" }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (inputError) return reject(new UserError(`could not read the input of ${basename(program)}: ${inputError.message}`, { exitCode: EXIT_STACK_FAILED }));
      if (code === 0) return resolve(stdout);
      const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-ERROR_TAIL_LINES).join("\n");
      reject(
        new UserError(`${basename(program)} failed (${signal ? `killed by ${signal}` : `exit code ${code}`})`, {
          exitCode: EXIT_STACK_FAILED,
          details: redactText(tail, options.secretValues ?? []),
        }),
      );
    });
  });
}

/** A copy of berth's environment without variables that would redirect the servers' tools. */
export function toolEnv(baseEnv: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnv)) {
    if (!/^(PG|MYSQL|MARIADB|REDISCLI_)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Rethrows a failure with what berth was doing, and how to go on unless the error says so already. */
export function explainFailure(what: string, hint: string): (error: unknown) => never {
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const original = error instanceof UserError ? error.options : {};
    throw new UserError(`${what}: ${message}`, {
      exitCode: error instanceof UserError ? error.exitCode : EXIT_STACK_FAILED,
      hint: original.hint ?? hint,
      ...(original.details ? { details: original.details } : {}),
    });
  };
}
