import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { anyCommandLineMentions } from "../supervisor/procfs.js";
import { dirname } from "node:path";

// PostgreSQL and MariaDB refuse to run as root, and no stack should read another's data. When berth
// runs as root it starts a stack's servers as the stack's own system user (src/supervisor/stack-user.ts),
// owning their data directory. That user must be able to reach the directory, so every directory on the way to it
// needs search (x) permission for others; berth adds it to the directories it owns under
// $BERTH_HOME (listing stays forbidden) and reports the ones above that it may not change.

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Every user of /etc/passwd (name, uid, gid); empty when it cannot be read. */
export function systemUsers(passwdFile = "/etc/passwd"): SystemUser[] {
  let text: string;
  try {
    text = readFileSync(passwdFile, "utf8");
  } catch {
    return [];
  }
  const users: SystemUser[] = [];
  for (const line of text.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name && uid !== undefined && gid !== undefined) users.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return users;
}

/** A user from /etc/passwd, or null. */
export function lookupSystemUser(name: string, passwdFile = "/etc/passwd"): SystemUser | null {
  return systemUsers(passwdFile).find((user) => user.name === name) ?? null;
}

/**
 * Creates `dir` (0700); when a user is given, it owns the directory and, when it was someone
 * else's (a cluster made by an earlier berth as Debian's shared `postgres` user), all it holds.
 */
export function createOwnedDirectory(dir: string, user: SystemUser | null): SystemUser | null {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (!user) return null;
  const owner = statSync(dir).uid;
  // A server still running from it (adopted from an earlier berth) keeps its files until it stops.
  if (owner !== user.uid && owner !== 0 && anyCommandLineMentions(dir)) return systemUsers().find((candidate) => candidate.uid === owner) ?? user;
  chownTree(dir, user);
  return user;
}



/** Gives `dir` and everything in it to `user`; unless `always`, only when the top is not theirs yet. */
export function chownTree(dir: string, user: SystemUser, always = false): void {
  if (!always && statSync(dir).uid === user.uid) return;
  execFileSync("chown", ["-R", "--no-dereference", `${user.uid}:${user.gid}`, dir], { stdio: "ignore" });
}

/** Adds search permission for others to each directory that berth's user owns. */
export function allowTraversal(directories: readonly string[]): void {
  const uid = process.getuid?.();
  for (const dir of directories) {
    const stat = statSync(dir);
    if (stat.uid === uid && (stat.mode & 0o001) === 0) chmodSync(dir, (stat.mode & 0o7777) | 0o001);
  }
}

/** The first existing ancestor of `path` (itself included) that `user` cannot enter, or null. */
export function firstUnreachableDirectory(path: string, user: SystemUser): string | null {
  const chain: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      return null;
    }
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return dir;
  }
  return null;
}
