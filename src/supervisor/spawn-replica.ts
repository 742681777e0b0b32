import { spawn, type ChildProcess } from "node:child_process";
import type { Service } from "../config/types.js";
import type { RotatingLogFile } from "../logs/index.js";
import { closeChildEnds, createOutputPipes, OutputReaders, removeOutputPipes, type OutputPipePaths } from "./output-pipe.js";
import { shellCommand } from "./shell.js";

export interface SpawnedReplica {
  /** Has no pid when the spawn failed after all (ENOENT/EACCES, e.g. a missing cwd): an 'error' event follows. */
  child: ChildProcess;
  outputPipes: OutputPipePaths;
  readers: OutputReaders;
}

/**
 * Spawns `service.command` through /bin/sh in its own process group, its output going to new FIFOs
 * in `runDir` that are read into `log`. Throws, leaving nothing behind, when that fails at once.
 */
export function spawnReplicaProcess(service: Service, env: Record<string, string>, name: string, runDir: string, log: RotatingLogFile): SpawnedReplica {
  const output = createOutputPipes(runDir, name);
  let readers: OutputReaders | null = null;
  try {
    readers = new OutputReaders(output.paths, log);
    const child = spawn("/bin/sh", ["-c", shellCommand(service.command)], {
      cwd: service.cwd,
      env,
      // detached puts the replica in a new session and process group, so signals reach every
      // process it forks and none of them outlives a stop.
      detached: true,
      stdio: ["ignore", output.out, output.err],
      ...(service.user ? { uid: service.user.uid, gid: service.user.gid } : {}),
    });
    return { child, outputPipes: output.paths, readers };
  } catch (error) {
    readers?.close();
    removeOutputPipes(output.paths);
    throw error;
  } finally {
    closeChildEnds(output);
  }
}
