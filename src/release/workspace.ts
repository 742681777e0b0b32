import { execFileSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
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
 * Links each shared path (media, .env, local settings) into the release from `sharedDir`, so it
 * outlives releases. A path not in `sharedDir` yet is seeded, in this order: from the first of
 * `seedDirectories` that has it (the directory the stack ran from: git-ignored settings and media
 * uploaded before the first deploy carry over), else from what the release ships at that path,
 * else as an empty directory. A file (a name with a dot) with nothing to seed it is an error
 * raised before anything is linked: an empty settings file would make the app fall back to its
 * defaults and fail much later.
 */
export function linkSharedPaths(paths: string[], releaseDir: string, sharedDir: string, seedDirectories: string[] = []): void {
  const missingFiles = paths.filter((path) => {
    const seeded = existsSync(join(sharedDir, path)) || seedDirectories.some((directory) => existsSync(join(directory, path)));
    return !seeded && !existsSync(join(releaseDir, path)) && basename(path).includes(".");
  });
  if (missingFiles.length > 0) {
    const [first] = missingFiles;
    throw new UserError(`the shared file${missingFiles.length > 1 ? "s" : ""} ${missingFiles.join(", ")} would start empty`, {
      hint: `put ${first} in ${seedDirectories[0] ?? "the app's directory"} (berth copies it on this deploy) or in ${join(sharedDir, first!)}, then deploy again`,
    });
  }
  for (const path of paths) {
    const shared = join(sharedDir, path);
    const inRelease = join(releaseDir, path);
    mkdirSync(dirname(shared), { recursive: true, mode: 0o700 });
    const shipped = existsSync(inRelease) || isSymlink(inRelease);
    if (!existsSync(shared)) {
      const seed = seedDirectories.map((directory) => join(directory, path)).find((candidate) => existsSync(candidate));
      if (seed) cpSync(seed, shared, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      else if (shipped && !isSymlink(inRelease)) renameSync(inRelease, shared);
      else mkdirSync(shared, { recursive: true });
    }
    if (existsSync(inRelease) || isSymlink(inRelease)) rmSync(inRelease, { recursive: true, force: true });
    mkdirSync(dirname(inRelease), { recursive: true });
    symlinkSync(shared, inRelease);
  }
}

/**
 * `deploy --skip-build`: the build's outputs (a front end's dist/) come from the release that
 * serves now, so the new release serves the same files. Every output must be there: checked
 * before anything is copied.
 */
export function copyBuildOutputs(outputs: string[], fromDir: string, releaseDir: string): void {
  const missing = outputs.filter((output) => !existsSync(join(fromDir, output)));
  if (missing.length > 0) {
    throw new UserError(`--skip-build: ${missing.join(", ")} missing from ${fromDir}`, {
      hint: "deploy once without --skip-build so the build makes them, or check build.outputs",
    });
  }
  for (const output of outputs) {
    const target = join(releaseDir, output);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(fromDir, output), target, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
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
