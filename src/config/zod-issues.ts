import type * as z from "zod";
import { describeValue, suggest, type Problem } from "./diagnostics.js";
import { allowedKeysAt, infoAt, infoFor, recordKeySchemaAt } from "./field-info.js";
import { shorten } from "./shorten.js";
import { formatKeyPath } from "./yaml-locator.js";

/** Turns zod's issues into problems worded from the schema's field info, not zod's generic text. */
export function issuesToProblems(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], input: unknown): Problem[] {
  const problems = issues.flatMap((issue) => issueToProblems(schema, issue, input));
  // A value can fail several checks (pattern and refinement); the reader needs it once.
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.at ?? "value"} ${formatKeyPath(problem.path)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function issueToProblems(schema: z.ZodType, issue: z.core.$ZodIssue, input: unknown): Problem[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(schema, path);
    return issue.keys.map((key) => ({
      path: [...path, key],
      at: "key",
      message: `unknown key \`${shorten(key)}\``,
      hint: suggest(key, allowed) ?? `allowed here: ${allowed.join(", ")}`,
    }));
  }
  if (issue.code === "invalid_union") {
    const branch = matchingBranch(issue.errors);
    if (branch) return issuesToProblems(schema, branch.map((inner) => ({ ...inner, path: [...path, ...inner.path] })), input);
  }
  if (issue.code === "invalid_key") {
    const info = infoFor(recordKeySchemaAt(schema, path.slice(0, -1)));
    return [
      {
        path,
        at: "key",
        message: `expected ${info?.expected ?? "a valid name"}, got ${describeValue(String(path.at(-1)))}`,
        ...(info ? { hint: info.hint } : {}),
      },
    ];
  }
  const value = valueAtPath(input, path);
  const info = infoAt(schema, path);
  const special = info?.explain?.(value);
  if (special) return [{ path, ...special }];
  if (value === undefined) {
    const key = String(path.at(-1) ?? "");
    return [{ path, message: `missing \`${key}\``, hint: info?.hint ?? `add \`${key}:\`` }];
  }
  return [
    {
      path,
      message: `expected ${info?.expected ?? "something else"}, got ${describeValue(value)}`,
      ...(info ? { hint: info.hint } : {}),
    },
  ];
}

// When a value is one of several shapes (`database: sqlite` or a map), zod reports that no shape
// matched. If the value has the right shape for one option and only fails inside it, that
// option's own issues say much more ("file: expected a path") than "expected sqlite or a map".
const WRONG_SHAPE = new Set(["invalid_type", "invalid_value", "invalid_union"]);

function matchingBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const candidates = branches.filter((issues) => !issues.some((inner) => inner.path.length === 0 && WRONG_SHAPE.has(inner.code)));
  return candidates.length === 1 ? candidates[0] : undefined;
}

function valueAtPath(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
