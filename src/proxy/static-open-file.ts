import { close, constants, fstat, open, readlink, type Stats } from "node:fs";
import { isMissingPathError } from "./static-path.js";

// Plain file descriptors rather than fs/promises FileHandles: a FileHandle is a heavyweight
// object, and static serving opens a file or two on every request.

export interface OpenedFile {
  fd: number;
  stats: Stats;
}

// O_NONBLOCK so a FIFO planted in the directory cannot hang the open; it has no effect on the
// regular files we go on to read.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export interface OpenOptions {
  /** Follow a symlink in the last path component (the caller then checks where the file really is). */
  followLastSymlink?: boolean;
}

/**
 * Opens `path` when it is a regular file, or answers null (directories, devices, sockets, FIFOs,
 * missing files). Headers and body then come from the same open file, even if a deploy
 * replaces the path meanwhile. The caller owns the descriptor: `closeFile` it or stream it with
 * autoClose.
 */
export function openRegularFile(path: string, options: OpenOptions = {}): Promise<OpenedFile | null> {
  const flags = options.followLastSymlink ? OPEN_FLAGS : OPEN_FLAGS | constants.O_NOFOLLOW;
  return new Promise((resolve, reject) => {
    open(path, flags, (openError, fd) => {
      if (openError) {
        if (isMissingPathError(openError) || isNotRegularError(openError)) resolve(null);
        else reject(openError);
        return;
      }
      fstat(fd, (statError, stats) => {
        if (!statError && stats.isFile()) return resolve({ fd, stats });
        closeFile({ fd });
        if (statError) reject(statError);
        else resolve(null);
      });
    });
  });
}

/**
 * Opens `realPath` only if the file opened really is at that path: a directory in the path that
 * was swapped for a symlink between the caller's check and the open (TOCTOU) shows up as a
 * different path of the open file, and the file is refused (null).
 */
export async function openRegularFileAt(realPath: string): Promise<OpenedFile | null> {
  const file = await openRegularFile(realPath);
  if (file === null) return null;
  if ((await pathOfOpenFile(file.fd)) === realPath) return file;
  closeFile(file);
  return null;
}

/**
 * Where the open file really is now, every symlink resolved: Linux's /proc/self/fd link names the
 * opened file itself, not the path that was opened, so no later swap can change the answer.
 * Null when the file has been deleted since.
 */
export function pathOfOpenFile(fd: number): Promise<string | null> {
  return new Promise((resolve) => {
    readlink(`/proc/self/fd/${fd}`, (error, target) => {
      resolve(error || target.endsWith(" (deleted)") || !target.startsWith("/") ? null : target);
    });
  });
}

/** Closes without waiting: nothing useful can be done about a failed close of a read-only file. */
export function closeFile(file: { fd: number }): void {
  close(file.fd, () => {});
}

function isNotRegularError(error: NodeJS.ErrnoException): boolean {
  // Opening a unix socket fails with ENXIO, a device without a driver with ENODEV.
  return error.code === "ENXIO" || error.code === "ENODEV";
}
