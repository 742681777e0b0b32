import { realpathSync, statSync } from "node:fs";
import { isAbsolute, parse, relative, resolve, sep } from "node:path";
import { isRecord } from "../util/is-record.js";
import type { Problem } from "./diagnostics.js";
import { quoteShort } from "./shorten.js";

// Checks of paths against the filesystem, made at load so a mistake is reported before anything
// starts: a service whose `cwd` is missing would otherwise fail to spawn again and again.

export function checkPaths(raw: unknown, root: string): Problem[] {
  if (!isRecord(raw)) return [];
  return [...checkServiceDirectories(raw, root), ...checkStaticRoots(raw, root)];
}

function checkServiceDirectories(raw: Record<string, unknown>, root: string): Problem[] {
  if (!isRecord(raw.services)) return [];
  return Object.entries(raw.services).flatMap(([name, service]): Problem[] => {
    if (!isRecord(service) || typeof service.cwd !== "string" || service.cwd === "" || service.cwd.includes("\0")) return [];
    const written = service.cwd;
    const problem = (message: string, hint: string): Problem[] => [{ path: ["services", name, "cwd"], message, hint }];
    const kind = pathKind(resolve(root, written));
    if (kind === "directory") return [];
    if (kind === "missing") return problem(`directory ${quoteShort(written)} does not exist`, "create it, or fix the path (relative to berth.yml's directory)");
    if (kind === "other") return problem(`${quoteShort(written)} is not a directory`, "point `cwd` at the directory the command runs in");
    return problem(`${quoteShort(written)} cannot be checked (${kind.error})`, "check the path and its permissions");
  });
}

function checkStaticRoots(raw: Record<string, unknown>, root: string): Problem[] {
  if (!isRecord(raw.proxy) || !isRecord(raw.proxy.static)) return [];
  return Object.entries(raw.proxy.static).flatMap(([prefix, entry]): Problem[] => {
    const written = typeof entry === "string" ? entry : isRecord(entry) && typeof entry.dir === "string" ? entry.dir : undefined;
    if (written === undefined || written === "" || written.includes("\0")) return [];
    const allowOutside = isRecord(entry) && entry.allow_outside === true;
    const path = typeof entry === "string" ? ["proxy", "static", prefix] : ["proxy", "static", prefix, "dir"];
    const directory = resolve(root, written);
    const problem = (message: string, hint: string): Problem[] => [{ path, message, hint }];

    if (parse(directory).root === directory) {
      return problem("the filesystem root cannot be served", "point it at the directory of the files to serve, e.g. `staticfiles`");
    }
    if (directory === root) {
      return problem("berth.yml's own directory cannot be served: it would publish berth.yml and .env", "point it at a subdirectory, e.g. `staticfiles`");
    }
    // A shared path (media) is a link berth itself makes into the stack's shared directory.
    const shared = Array.isArray(raw.shared) && raw.shared.some((path) => typeof path === "string" && (directory === resolve(root, path) || isInside(directory, resolve(root, path))));
    if (allowOutside || shared) return [];
    if (!isInside(directory, root)) {
      return problem(
        `${quoteShort(written)} is outside berth.yml's directory`,
        `write \`${prefix}: { dir: ${written.length > 60 ? "..." : written}, allow_outside: true }\` if it is meant to be served, or use a directory inside the stack`,
      );
    }
    const real = realPath(directory);
    const realRoot = realPath(root);
    if (real !== undefined && realRoot !== undefined && !isInside(real, realRoot)) {
      return problem(
        `${quoteShort(written)} leads outside berth.yml's directory through a symbolic link (to ${quoteShort(real)})`,
        `write \`${prefix}: { dir: ${written.length > 60 ? "..." : written}, allow_outside: true }\` if it is meant to be served`,
      );
    }
    return [];
  });
}

function isInside(path: string, directory: string): boolean {
  const fromDirectory = relative(directory, path);
  return fromDirectory !== "" && fromDirectory !== ".." && !fromDirectory.startsWith(`..${sep}`) && !isAbsolute(fromDirectory);
}

function pathKind(path: string): "directory" | "missing" | "other" | { error: string } {
  try {
    return statSync(path).isDirectory() ? "directory" : "other";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    return { error: code ?? String(error) };
  }
}

/** The path with symbolic links resolved, or undefined when it does not exist (yet). */
function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
