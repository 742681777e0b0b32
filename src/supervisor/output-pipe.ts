import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, constants, mkdirSync, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import type { RotatingLogFile } from "../logs/index.js";

// A replica's stdout and stderr go to two named FIFOs instead of anonymous pipes, so the app does
// not depend on the daemon being alive: with a pipe, a daemon killed with -9 takes the only reader
// away and the app dies of SIGPIPE/EPIPE at its next write.
//
// The child's ends are the FIFOs opened O_RDWR: the child then always holds a reader itself, so its
// writes never fail while no daemon reads. They block once the kernel's pipe buffer (64 KiB on
// Linux) is full, which is the price of losing nothing: a new daemon reopens the same paths and
// first reads what was buffered while it was down. The daemon's own end is O_RDONLY|O_NONBLOCK in a
// net.Socket, read by the event loop (fs streams would block threadpool threads on an empty FIFO).
// Since the daemon holds no writer, its readers see EOF once every process of the replica is gone.
//
// Two limits of FIFOs, both measured on Linux: the buffer lives only while someone holds the FIFO
// open, so what a process wrote just before it died while no daemon read is lost; and a reader
// opened after every writer left never sees EOF (epoll reports no hangup to it), so exits are
// found through /proc and waitForEnd() has a deadline.

export interface OutputPipePaths {
  out: string;
  err: string;
}

export interface ChildOutput {
  paths: OutputPipePaths;
  /** The child's stdout and stderr: give them to spawn(), then closeChildEnds(). */
  out: number;
  err: number;
}

/** Makes the two FIFOs for one process of `name` (e.g. "web.0") in `runDir` and opens the child's ends. */
export function createOutputPipes(runDir: string, name: string): ChildOutput {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const base = join(runDir, `${name}.${randomBytes(6).toString("hex")}`);
  const paths = { out: `${base}.out`, err: `${base}.err` };
  // Node has no mkfifo(3); coreutils' mkfifo is everywhere berth runs.
  execFileSync("mkfifo", ["-m", "600", paths.out, paths.err], { stdio: "ignore" });
  try {
    const out = openSync(paths.out, constants.O_RDWR);
    try {
      return { paths, out, err: openSync(paths.err, constants.O_RDWR) };
    } catch (error) {
      closeSync(out);
      throw error;
    }
  } catch (error) {
    removeOutputPipes(paths);
    throw error;
  }
}

/** The daemon's copies of the child's ends: closed right after spawn, so only the child writes. */
export function closeChildEnds(output: ChildOutput): void {
  closeSync(output.out);
  closeSync(output.err);
}

export function removeOutputPipes(paths: OutputPipePaths): void {
  rmSync(paths.out, { force: true });
  rmSync(paths.err, { force: true });
}

/** The daemon's readers of one process's FIFOs, copying lines into its log file. */
export class OutputReaders {
  private readonly sockets: Socket[];
  /** Resolves when both FIFOs reached EOF (every writer gone) or the readers were closed. */
  readonly ended: Promise<void>;

  /** Throws (ENOENT) when the FIFOs are gone. */
  constructor(paths: OutputPipePaths, log: RotatingLogFile) {
    const out = openReader(paths.out);
    let err: Socket;
    try {
      err = openReader(paths.err);
    } catch (error) {
      out.destroy();
      throw error;
    }
    this.sockets = [out, err];
    log.attachStream(out, "out");
    log.attachStream(err, "err");
    this.ended = Promise.all(this.sockets.map((socket) => new Promise((resolve) => socket.once("close", resolve)))).then(() => {});
  }

  /** Waits up to `timeoutMs` for EOF on both FIFOs; true when they ended. */
  async waitForEnd(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ended = await Promise.race([this.ended.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return ended;
  }

  /** Stops reading; whatever the process writes from now on waits in the FIFO for the next reader. */
  close(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

function openReader(path: string): Socket {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}
