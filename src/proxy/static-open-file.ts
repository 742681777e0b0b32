import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { isMissingPathError } from "./static-path.js";

export interface OpenedFile {
  handle: FileHandle;
  stats: Stats;
}

// O_NONBLOCK so a FIFO planted in the directory cannot hang the open; it has no effect on the
// regular files we go on to read. O_NOFOLLOW so a symlink swapped in after `realpath` is refused.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/**
 * Opens `path` when it is a regular file, or answers null (directories, devices, sockets, FIFOs,
 * missing files). Headers and body then come from the same open file, even if a deploy
 * replaces the path meanwhile.
 */
export async function openRegularFile(path: string): Promise<OpenedFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    if (isMissingPathError(error) || isNotRegularError(error)) return null;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (stats.isFile()) return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return null;
}

function isNotRegularError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // Opening a unix socket fails with ENXIO, a device without a driver with ENODEV.
  return code === "ENXIO" || code === "ENODEV";
}
