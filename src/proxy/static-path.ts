import { realpath } from "node:fs/promises";
import { join, sep } from "node:path";

// Path traversal guard for static mounts (RFC 3986 §2.1 percent-encoding, §3.3 path segments).
// Two independent checks, like hono's serve-static: the URL path is judged segment by segment
// before it touches the file system, then the resolved real path must still lie inside the
// mount's real directory, so a symlink can never lead out of it.

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

/**
 * Resolves request paths inside one mount directory. Deploys often swap the directory
 * (`static -> releases/42/static`), so its real path is re-resolved at least every second, and
 * at once when a file seems to lie outside it.
 */
export class MountDirectory {
  private realDirectory: string | null = null;
  private resolvedAt = 0;

  constructor(private readonly directory: string) {}

  /**
   * The real path of `segments` below the directory, or null when it does not exist or resolves
   * (through symlinks) to somewhere outside the directory's real path.
   */
  async resolveInside(segments: readonly string[]): Promise<string | null> {
    const fresh = Date.now() - this.resolvedAt < DIRECTORY_RECHECK_MS;
    const [cachedDirectory, realFile] = await Promise.all([
      fresh ? this.realDirectory : this.resolveDirectory(),
      realpathOrNull(join(this.directory, ...segments)),
    ]);
    if (realFile === null || cachedDirectory === null) return null;
    if (isInside(realFile, cachedDirectory)) return realFile;
    if (!fresh) return null;
    const realDirectory = await this.resolveDirectory();
    return realDirectory !== null && isInside(realFile, realDirectory) ? realFile : null;
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
