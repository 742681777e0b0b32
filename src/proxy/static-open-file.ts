import { close, constants, fstat, open, type Stats } from "node:fs";
import { isMissingPathError } from "./static-path.js";

// Plain file descriptors rather than fs/promises FileHandles: a FileHandle is a heavyweight
// object, and static serving opens a file or two on every request.

export interface OpenedFile {
  fd: number;
  stats: Stats;
}

// O_NONBLOCK so a FIFO planted in the directory cannot hang the open; it has no effect on the
// regular files we go on to read. O_NOFOLLOW so a symlink swapped in after `realpath` is refused.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/**
 * Opens `path` when it is a regular file, or answers null (directories, devices, sockets, FIFOs,
 * missing files). Headers and body then come from the same open file, even if a deploy
 * replaces the path meanwhile. The caller owns the descriptor: `closeFile` it or stream it with
 * autoClose.
 */
export function openRegularFile(path: string): Promise<OpenedFile | null> {
  return new Promise((resolve, reject) => {
    open(path, OPEN_FLAGS, (openError, fd) => {
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

/** Closes without waiting: nothing useful can be done about a failed close of a read-only file. */
export function closeFile(file: { fd: number }): void {
  close(file.fd, () => {});
}

function isNotRegularError(error: NodeJS.ErrnoException): boolean {
  // Opening a unix socket fails with ENXIO, a device without a driver with ENODEV.
  return error.code === "ENXIO" || error.code === "ENODEV";
}
