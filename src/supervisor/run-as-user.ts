import { spawnSync } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Service } from "../config/types.js";
import { UserError } from "../errors.js";
import { isRoot, lookupSystemUser, type SystemUser } from "../backing/run-as.js";

export interface RunAsChoice {
  /** null: berth's own user (root when berth runs as root). */
  user: SystemUser | null;
  /** Why it runs as root although berth would rather not, e.g. "the stack's user berth-shop cannot write to /root/shop". */
  rootBecause: string | null;
}

/** Who a user that owns nothing is: what the stack's user can do in a directory berth did not give it. */
const NOBODY: SystemUser = { name: "nobody", uid: 65534, gid: 65534 };

/**
 * Who runs `service` (or a release task) when berth is root: the `user:` berth.yml names, root when
 * it says so, else the stack's own user if that user can run it (enter and write the directory, find
 * the program, read the absolute paths the command names), else root with a warning that says what
 * the stack's user lacked. In a directory berth owns (a release) the stack's user is given it first;
 * elsewhere it would own nothing, so the check runs as `nobody` and the user is only created when it
 * passes. When berth is not root, everything runs as berth's user.
 */
export function chooseRunAs(
  service: Pick<Service, "name" | "command" | "cwd" | "runAs">,
  stackUser: () => SystemUser,
  path: string,
  stackUserName: string,
  berthOwnsDirectory: boolean,
): RunAsChoice {
  if (!isRoot() || service.runAs === "root") return { user: null, rootBecause: null };
  if (service.runAs !== null) {
    const named = lookupSystemUser(service.runAs);
    if (!named) {
      throw new UserError(`${service.name} asks for \`user: ${service.runAs}\`, and there is no such user on this host`, {
        hint: `create it (\`useradd --system --user-group ${service.runAs}\`), or leave \`user:\` out to run as the stack's own user`,
      });
    }
    return { user: named, rootBecause: null };
  }
  const missing = whatUserCannotDo(berthOwnsDirectory ? stackUser() : (lookupSystemUser("nobody") ?? NOBODY), service, path);
  if (missing === null) return { user: stackUser(), rootBecause: null };
  return { user: null, rootBecause: `the stack's user ${stackUserName} ${missing}` };
}

// $2 is the program as berth resolved it on PATH (root sees every directory, so the user would find
// the same one); a script's interpreter (a virtualenv's python under /root, say) must be runnable too.
const CHECK_SCRIPT = `
cd "$1" 2>/dev/null || { echo "cannot enter $1"; exit 1; }
test -w . || { echo "cannot write to $1"; exit 1; }
program=$2; interpreter=$3; shift 3
if [ -n "$program" ]; then test -x "$program" || { echo "cannot run $program"; exit 1; }; fi
if [ -n "$interpreter" ]; then test -x "$interpreter" || { echo "cannot run $interpreter (the interpreter of $program)"; exit 1; }; fi
for path do test -r "$path" || { echo "cannot read $path"; exit 1; }; done
exit 0`;

/** What `user` cannot do that the command needs, tried as that user; null when it can. */
export function whatUserCannotDo(user: SystemUser, service: Pick<Service, "command" | "cwd">, path: string): string | null {
  const { program, paths } = commandNeeds(service.command);
  const resolved = program === null ? null : resolveProgram(program, service.cwd, path);
  const interpreter = resolved === null ? null : scriptInterpreter(resolved);
  const result = spawnSync("/bin/sh", ["-c", CHECK_SCRIPT, "check", service.cwd, resolved ?? "", interpreter ?? "", ...paths], {
    uid: user.uid,
    gid: user.gid,
    env: { PATH: path },
    encoding: "utf8",
    timeout: 10_000,
  });
  if (result.status === 0) return null;
  return result.stdout.trim() || `cannot run the command (${result.error?.message ?? `exit ${String(result.status)}`})`;
}

/** Where the shell would find `program`, as berth sees it; null when it is a builtin or nowhere. */
function resolveProgram(program: string, cwd: string, path: string): string | null {
  const candidates = program.includes("/") ? [resolve(cwd, program)] : path.split(":").filter(Boolean).map((dir) => join(resolve(cwd, dir), program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The interpreter a `#!` script names, or null. */
function scriptInterpreter(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, "r");
    const head = Buffer.alloc(256);
    const length = readSync(fd, head, 0, head.length, 0);
    const firstLine = head.subarray(0, length).toString("utf8").split("\n")[0] ?? "";
    return firstLine.startsWith("#!") ? (firstLine.slice(2).trim().split(/\s+/)[0] ?? null) || null : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const SHELL_WORDS = new Set(["exec", "env", "nohup", "nice", "command"]);

/** The program a shell command runs and the absolute paths it names, read from its words. */
export function commandNeeds(command: string): { program: string | null; paths: string[] } {
  const words = command
    .split(/\s+/)
    .map((word) => word.replace(/^["']|["';&|)]+$/g, ""))
    .filter(Boolean);
  const program = words.find((word) => !ASSIGNMENT.test(word) && !SHELL_WORDS.has(word)) ?? null;
  const paths = words.filter((word) => word.startsWith("/") && !word.includes("$") && word !== program);
  return { program: program && !program.includes("$") ? program : null, paths };
}

/** One warning per reason: "web, worker run as root: the stack's user … (what to do)". */
export function describeRunningAsRoot(namesByReason: Map<string, string[]>): string[] {
  return [...namesByReason].map(([reason, names]) => {
    // A directory it cannot write is what a deploy fixes; a program under /root is not.
    const fix = reason.includes("cannot write to") || reason.includes("cannot enter")
      ? "`berth deploy` gives it a release of its own; or give it access, or write `user: root` to say so"
      : "give it access (or use a program it can run, e.g. from /usr), or write `user: root` to say so";
    return `${names.join(", ")} ${names.length === 1 ? "runs" : "run"} as root: ${reason} (${fix}; see docs/security.md)`;
  });
}
