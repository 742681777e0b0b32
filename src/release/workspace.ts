import { execFileSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { UserError } from "../errors.js";

export type ReleaseSource = { kind: "path"; directory: string } | { kind: "ref"; repository: string; ref: string };

/** Fills a new release directory: a copy of a directory (without .git) or a git ref's tree. Returns a description of the source. */
export function populateRelease(source: ReleaseSource, releaseDir: string): string {
  mkdirSync(releaseDir, { recursive: true, mode: 0o755 });
  if (source.kind === "path") {
    if (!existsSync(source.directory)) throw new UserError(`no directory ${source.directory} to deploy`, { hint: "pass --path <dir> of your app" });
    cpSync(source.directory, releaseDir, {
      recursive: true,
      verbatimSymlinks: true,
      // collectstatic and other mtime-based tools compare times: a copy stamped "now" hides what changed.
      preserveTimestamps: true,
      filter: (path) => !isInside(path, join(source.directory, ".git")) && !isInside(path, releaseDir),
    });
    return `path ${source.directory}`;
  }
  const commit = git(source.repository, ["rev-parse", "--verify", `${source.ref}^{commit}`], `unknown git ref "${source.ref}"`).trim();
  const archive = execFileSync("git", ["-C", source.repository, "archive", "--format=tar", commit], { maxBuffer: 2 * 1024 ** 3 });
  execFileSync("tar", ["-x", "-C", releaseDir], { input: archive });
  return `${source.ref} (${commit.slice(0, 12)})`;
}

/**
 * Links each shared path (media, .env) into the release from `sharedDir`, so it outlives releases.
 * The first deploy moves what the app ships at that path into the shared directory.
 */
export function linkSharedPaths(paths: string[], releaseDir: string, sharedDir: string): void {
  for (const path of paths) {
    const shared = join(sharedDir, path);
    const inRelease = join(releaseDir, path);
    mkdirSync(dirname(shared), { recursive: true, mode: 0o700 });
    const shipped = existsSync(inRelease) || isSymlink(inRelease);
    if (!existsSync(shared)) {
      if (shipped && !isSymlink(inRelease)) renameSync(inRelease, shared);
      // Nothing shipped: a name with a dot (.env, local_settings.py) starts as an empty file, others as a directory.
      else if (basename(path).includes(".")) writeFileSync(shared, "", { mode: 0o600 });
      else mkdirSync(shared, { recursive: true });
    }
    if (existsSync(inRelease) || isSymlink(inRelease)) rmSync(inRelease, { recursive: true, force: true });
    mkdirSync(dirname(inRelease), { recursive: true });
    symlinkSync(shared, inRelease);
  }
}

function git(repository: string, args: string[], failure: string): string {
  try {
    return execFileSync("git", ["-C", repository, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    throw new UserError(failure, { details: String((error as { stderr?: string }).stderr ?? ""), hint: "check the ref with `git log`; deploy from the repository that holds berth.yml" });
  }
}

function isInside(path: string, directory: string): boolean {
  const rel = relative(directory, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== path);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
