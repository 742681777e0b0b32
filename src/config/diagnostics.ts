import { closest, distance } from "fastest-levenshtein";
import type { Diagnostic } from "../errors.js";
import { quoteShort } from "./shorten.js";
import { formatKeyPath, type KeyPath, type YamlLocator } from "./yaml-locator.js";

/** A problem found in berth.yml, located by key path until it becomes a Diagnostic. */
export interface Problem {
  path: KeyPath;
  /** Point at the key (unknown keys, bad names) rather than its value. */
  at?: "key" | "value";
  /** A precise source offset, when known (e.g. the `${VAR}` inside a longer string). */
  offset?: number;
  message: string;
  hint?: string;
}

export function toDiagnostic(problem: Problem, locator: YamlLocator): Diagnostic {
  return {
    location:
      problem.offset !== undefined && !locator.fromOverlay(problem.path)
        ? locator.offsetAt(problem.offset)
        : problem.at === "key"
          ? locator.keyAt(problem.path)
          : locator.valueAt(problem.path),
    path: formatKeyPath(problem.path),
    message: problem.message,
    ...(problem.hint ? { hint: problem.hint } : {}),
  };
}

/** Sorted by position so the report reads top to bottom like the file. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0),
  );
}

/** "did you mean `replicas`?" when a close match exists. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const match = closest(word, candidates as string[]);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word, match) <= limit ? `did you mean \`${match}\`?` : undefined;
}

/** How a wrong value reads in a message: strings quoted, collections named. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return quoteShort(value);
  return String(value);
}
