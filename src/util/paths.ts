import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

// Everything berth keeps on disk lives under $BERTH_HOME (default ~/.berth; /var/lib/berth for root), so tests and users can
// run several isolated daemons side by side by pointing BERTH_HOME elsewhere.

/** Where root's daemon keeps everything (like /var/lib/docker): stacks' own users can reach it, unlike /root. */
export const ROOT_BERTH_HOME = "/var/lib/berth";

export function berthHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_HOME) return resolve(env.BERTH_HOME);
  const personal = join(homedir(), ".berth");
  // An existing ~/.berth (made before root's default moved) keeps being used.
  if (process.getuid?.() === 0 && !existsSync(personal)) return ROOT_BERTH_HOME;
  return personal;
}

export interface HomePaths {
  home: string;
  socket: string;
  state: string;
  daemonLog: string;
  stacks: string;
}

export function homePaths(home: string = berthHome()): HomePaths {
  return {
    home,
    socket: join(home, "berth.sock"),
    state: join(home, "state.json"),
    daemonLog: join(home, "daemon.log"),
    stacks: join(home, "stacks"),
  };
}

export interface StackPaths {
  root: string;
  /** The stack's persistent data (SQLite file, database clusters): deleted only by `down -v`. */
  data: string;
  logs: string;
  secrets: string;
  /** The stack's event journal (src/events): crashes, deploys, backups… */
  events: string;
}

export function stackPaths(stackName: string, home: string = berthHome()): StackPaths {
  const root = join(homePaths(home).stacks, stackName);
  return {
    root,
    data: join(root, "data"),
    logs: join(root, "logs"),
    secrets: join(root, "secrets.json"),
    events: join(root, "events.jsonl"),
  };
}
