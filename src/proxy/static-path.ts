import { realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { closeFile, openRegularFile, pathOfOpenFile, type OpenedFile } from "./static-open-file.js";

// Path traversal guard for static mounts (RFC 3986 §2.1 percent-encoding, §3.3 path segments).
// Two independent checks, like hono's serve-static: the URL path is judged segment by segment
// before it touches the file system, then the real path of the file once opened must still lie
// inside the mount's real directory, so a symlink can never lead out of it, even one swapped in
// while the request is served.

// NUL and the other C0 controls, DEL, and the backslash that Windows tools treat as a separator.
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f\\]/;

/**
 * The decoded path segments of `pathBelowPrefix` (raw, still percent-encoded, no query), or null
 * when the path is not one a static file can have. Decodes exactly once — `%252e` stays the
 * literal name `%2e` — and refuses: malformed or overlong UTF-8 (`%c0%ae`), absolute paths and
 * empty segments (`a//b`), segments whose decoding contains `/` (`%2f`) or a forbidden character,
 * and every segment starting with "." (`.`, `..`, `...`, `..;`, `.env`, `.git`).
 */
export function decodeStaticPath(pathBelowPrefix: string): string[] | null {
  if (pathBelowPrefix === "") return null;
  const segments: string[] = [];
  for (const rawSegment of pathBelowPrefix.split("/")) {
    const segment = decodeSegment(rawSegment);
    if (segment === null || segment === "" || segment.startsWith(".")) return null;
    if (segment.includes("/") || FORBIDDEN_CHARACTER.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

/** How long the mount directory's real path is trusted before it is resolved again. */
const DIRECTORY_RECHECK_MS = 1000;

export interface FileInside {
  file: OpenedFile;
  /** Where the open file really is, every symlink resolved. */
  realPath: string;
}

/**
 * Opens files inside one mount directory. Deploys often swap the directory
 * (`static -> releases/42/static`), so its real path is re-resolved at least every second, and
 * at once when a file seems to lie outside it.
 */
export class MountDirectory {
  private realDirectory: string | null = null;
  private resolvedAt = 0;

  constructor(private readonly directory: string) {}

  /**
   * Opens the regular file at `segments` below the directory, or answers null when there is none
   * or it lies (through symlinks) outside the directory's real path. The check is made on the
   * file already open, not on its path: checking a path and then opening it lets a directory
   * swapped for a symlink in between lead the open out of the mount (a TOCTOU race).
   */
  async openInside(segments: readonly string[]): Promise<FileInside | null> {
    const fresh = Date.now() - this.resolvedAt < DIRECTORY_RECHECK_MS;
    const [directoryResult, fileResult] = await Promise.allSettled([
      fresh ? this.realDirectory : this.resolveDirectory(),
      openRegularFile(join(this.directory, ...segments), { followLastSymlink: true }),
    ]);
    if (fileResult.status === "rejected") throw fileResult.reason;
    const file = fileResult.value;
    if (file === null) return null;
    if (directoryResult.status === "rejected") {
      closeFile(file);
      throw directoryResult.reason;
    }
    const cachedDirectory = directoryResult.value;
    const realPath = await pathOfOpenFile(file.fd);
    if (realPath !== null && cachedDirectory !== null && isInside(realPath, cachedDirectory)) return { file, realPath };
    if (realPath !== null && fresh) {
      const realDirectory = await this.resolveDirectory();
      if (realDirectory !== null && isInside(realPath, realDirectory)) return { file, realPath };
    }
    closeFile(file);
    return null;
  }

  private async resolveDirectory(): Promise<string | null> {
    this.realDirectory = await realpathOrNull(this.directory);
    this.resolvedAt = Date.now();
    return this.realDirectory;
  }
}

function isInside(realFile: string, realDirectory: string): boolean {
  return realFile.startsWith(realDirectory.endsWith(sep) ? realDirectory : realDirectory + sep);
}

function decodeSegment(rawSegment: string): string | null {
  if (!rawSegment.includes("%")) return rawSegment;
  try {
    return decodeURIComponent(rawSegment);
  } catch {
    return null;
  }
}

async function realpathOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (error) {
    if (isMissingPathError(error)) return null;
    throw error;
  }
}

/** Errors that mean "no servable file here" rather than a fault of the server. */
export function isMissingPathError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "ENAMETOOLONG" || code === "EACCES" || code === "EISDIR";
}
