import { spawnSync } from "node:child_process";
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

const CHECK_SCRIPT = `
cd "$1" 2>/dev/null || { echo "cannot enter $1"; exit 1; }
test -w . || { echo "cannot write to $1"; exit 1; }
program=$2; shift 2
if [ -n "$program" ]; then command -v "$program" >/dev/null 2>&1 || { echo "cannot run $program"; exit 1; }; fi
for path do test -r "$path" || { echo "cannot read $path"; exit 1; }; done
exit 0`;

/** What `user` cannot do that the command needs, tried as that user; null when it can. */
export function whatUserCannotDo(user: SystemUser, service: Pick<Service, "command" | "cwd">, path: string): string | null {
  const { program, paths } = commandNeeds(service.command);
  const result = spawnSync("/bin/sh", ["-c", CHECK_SCRIPT, "check", service.cwd, program ?? "", ...paths], {
    uid: user.uid,
    gid: user.gid,
    env: { PATH: path },
    encoding: "utf8",
    timeout: 10_000,
  });
  if (result.status === 0) return null;
  return result.stdout.trim() || `cannot run the command (${result.error?.message ?? `exit ${String(result.status)}`})`;
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
  return [...namesByReason].map(
    ([reason, names]) =>
      `${names.join(", ")} ${names.length === 1 ? "runs" : "run"} as root: ${reason} (\`berth deploy\` gives it a release of its own; or give it access, or write \`user: root\` to say so; see docs/security.md)`,
  );
}
