import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { isProcessAlive } from "../util/process-alive.js";

interface LockOwner {
  pid: number;
  startedAt: string;
  user: string;
}

/** One deploy at a time per stack: an exclusive lock file; a lock whose process is gone is taken over. */
export function acquireDeployLock(stackRoot: string, user: string): () => void {
  const path = join(stackRoot, "deploy.lock");
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), user } satisfies LockOwner));
      closeSync(fd);
      return () => unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(path);
      if (owner && isProcessAlive(owner.pid)) {
        throw new UserError(`another deploy of this stack is running (pid ${owner.pid}, by ${owner.user}, since ${owner.startedAt})`, {
          hint: "wait for it to finish; `berth releases` shows its progress",
        });
      }
      unlinkSync(path);
    }
  }
  throw new UserError("could not take the deploy lock", { hint: `remove ${path} if no deploy is running` });
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockOwner;
  } catch {
    return null;
  }
}
