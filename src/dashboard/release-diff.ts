import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { redactText } from "../config/secrets.js";
import { releaseDirectory, type ReleaseRecord } from "../release/history.js";
import { berthHome, stackPaths } from "../util/paths.js";
import { diffLines, type DiffLine } from "./line-diff.js";

// What changed between two kept releases: their berth.yml line by line (secret values cut out) and
// the names of the variables added or removed (from `env:` and the env files); values never.

export interface ReleaseChanges {
  release: ReleaseRecord;
  against: ReleaseRecord;
  /** Null when a file is missing or too long to compare, with the reason. */
  configDiff: DiffLine[] | null;
  configProblem: string | null;
  envAdded: string[];
  envRemoved: string[];
  envProblem: string | null;
}

/** The release just before `release` in time, or null for the first one. */
export function previousRelease(releases: ReleaseRecord[], release: ReleaseRecord): ReleaseRecord | null {
  return [...releases].filter((candidate) => candidate.createdAt < release.createdAt).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? null;
}

export async function releaseChanges(stack: string, release: ReleaseRecord, against: ReleaseRecord, secretValues: string[]): Promise<ReleaseChanges> {
  const root = stackPaths(stack, berthHome()).root;
  const configOf = (record: ReleaseRecord) => join(releaseDirectory(root, record.id), record.configPath);
  const [before, after] = await Promise.all([readOptional(configOf(against)), readOptional(configOf(release))]);
  let configDiff: DiffLine[] | null = null;
  let configProblem: string | null = null;
  if (before === null || after === null) configProblem = `${before === null ? against.id : release.id} is no longer on disk`;
  else {
    configDiff = diffLines(redactText(before, secretValues), redactText(after, secretValues));
    if (!configDiff) configProblem = "berth.yml is too long to compare line by line";
  }
  const changes: ReleaseChanges = { release, against, configDiff, configProblem, envAdded: [], envRemoved: [], envProblem: null };
  if (before === null || after === null) return changes;
  try {
    const [keysBefore, keysAfter] = await Promise.all([variableNames(before, configOf(against)), variableNames(after, configOf(release))]);
    changes.envAdded = [...keysAfter].filter((key) => !keysBefore.has(key)).sort();
    changes.envRemoved = [...keysBefore].filter((key) => !keysAfter.has(key)).sort();
  } catch (error) {
    changes.envProblem = `the variables could not be compared: ${(error as Error).message}`;
  }
  return changes;
}

/** Names set by berth.yml's `env:` and its env files (missing env files add none). */
async function variableNames(configText: string, configPath: string): Promise<Set<string>> {
  const { parse } = await import("yaml");
  const document = (parse(configText) ?? {}) as { env?: unknown; env_file?: unknown };
  const names = new Set<string>();
  if (document.env && typeof document.env === "object" && !Array.isArray(document.env)) for (const key of Object.keys(document.env)) names.add(key);
  const files = document.env_file === undefined ? [] : Array.isArray(document.env_file) ? document.env_file : [document.env_file];
  for (const file of files) {
    const path = typeof file === "string" ? file : typeof file === "object" && file !== null && typeof (file as { path?: unknown }).path === "string" ? (file as { path: string }).path : null;
    if (!path) continue;
    const text = await readOptional(join(dirname(configPath), path));
    for (const line of (text ?? "").split("\n")) {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
      if (match) names.add(match[1]!);
    }
  }
  return names;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}
