import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { UserError } from "../errors.js";
import { lookupSystemUser, type SystemUser } from "../backing/run-as.js";

// When berth runs as root, each stack gets a system user of its own (like systemd's DynamicUser, but
// stable, so file ownership survives restarts): its database servers always run as it, its apps
// whenever it can run them (src/supervisor/run-as-user.ts). Stack B's user cannot read stack A's data.

const USER_PREFIX = "berth-";
/** useradd's limit on Debian. */
const MAX_USER_NAME = 32;
const SBIN_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

export function stackUserName(stack: string): string {
  const name = `${USER_PREFIX}${stack}`;
  if (name.length <= MAX_USER_NAME) return name;
  const hash = createHash("sha256").update(stack).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_USER_NAME - hash.length - 1)}-${hash}`;
}

/** The stack's own user, created (system user, own group, no login, no home) the first time. */
export function ensureStackUser(stack: string, passwdFile?: string): SystemUser {
  const name = stackUserName(stack);
  const existing = lookupSystemUser(name, passwdFile);
  if (existing) return existing;
  let detail = "";
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment", `berth stack ${stack}`, name], {
      env: { PATH: SBIN_PATH },
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (error) {
    detail = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
  }
  // Another daemon (or a concurrent up) may have created it between the lookup and useradd.
  const created = lookupSystemUser(name, passwdFile);
  if (created) return created;
  throw new UserError(`could not create the system user ${name} for stack ${stack}${detail ? `: ${detail}` : ""}`, {
    hint: `berth runs each stack as its own user when it runs as root: create it with \`useradd --system --user-group ${name}\`, or set \`user:\` in berth.yml`,
  });
}

/** `$HOME` of the stack's processes when they run as its user: `stacks/<name>/home` (0700, theirs). */
export function stackUserHome(stackRoot: string, user: SystemUser): string {
  const home = join(stackRoot, "home");
  if (!existsSync(home)) {
    mkdirSync(home, { mode: 0o700 });
    chownSync(home, user.uid, user.gid);
  }
  return home;
}

/** HOME, USER and LOGNAME of a process berth runs as `user` (none when it keeps berth's own). */
export function identityEnv(stackRoot: string, user: SystemUser | null): Record<string, string> {
  if (!user) return {};
  return { HOME: stackUserHome(stackRoot, user), USER: user.name, LOGNAME: user.name };
}
