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

/**
 * The real path of `segments` below `directory`, or null when it does not exist or resolves
 * (through symlinks) to somewhere outside the directory's real path. The directory itself is
 * resolved on every call because deploys often swap it (`static -> releases/42/static`).
 */
export async function resolveInsideDirectory(directory: string, segments: readonly string[]): Promise<string | null> {
  const [realDirectory, realFile] = await Promise.all([realpathOrNull(directory), realpathOrNull(join(directory, ...segments))]);
  if (realDirectory === null || realFile === null) return null;
  const inside = realDirectory.endsWith(sep) ? realDirectory : realDirectory + sep;
  return realFile.startsWith(inside) ? realFile : null;
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
