import { homedir } from "node:os";
import { join, resolve } from "node:path";

// Everything berth keeps on disk lives under $BERTH_HOME (default ~/.berth), so tests and users can
// run several isolated daemons side by side by pointing BERTH_HOME elsewhere.

export function berthHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.BERTH_HOME || join(homedir(), ".berth"));
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
