import { resolve } from "node:path";
import { isMap, isScalar, isSeq, type Document, type Node } from "yaml";
import { isRuntimeVariable, RUNTIME_VARIABLES } from "./defaults.js";
import type { Problem } from "./diagnostics.js";
import { readEnvFiles, type EnvFileReference } from "./env-file.js";
import { interpolate, type InterpolationSources } from "./interpolate.js";
import { keyText, type KeyPath } from "./yaml-locator.js";

export interface PreparedInterpolation {
  sources: InterpolationSources;
  envFileValues: Record<string, string>;
  /** Absolute paths of the env files. */
  envFiles: string[];
  /** Variables of env files marked `secret: true`. */
  secretEnvFileNames: string[];
  /** Problems with env files (missing, unreadable). */
  problems: Problem[];
}

/**
 * Gathers what `${VAR}` can refer to before the document is interpolated, highest first: the
 * process environment, then env_file values, then the top-level `env:` as written. `secrets:` and
 * berth's runtime variables are left for the shell, since their values exist only at process start.
 */
export function prepareInterpolation(document: Document, root: string, processEnv: NodeJS.ProcessEnv): PreparedInterpolation {
  const literalEnv = readLiteralEnv(document);
  const secretNames = new Set(readStrings(document.get("secrets", true)).map(({ value }) => value));
  const backingNames = backingVariableNames(document);
  const isLeftForShell = (name: string) => isRuntimeVariable(name) || secretNames.has(name) || backingNames.includes(name);
  const provided = [...RUNTIME_VARIABLES, ...backingNames, "BERTH_*", ...secretNames];

  // env_file paths may use the process environment or env: themselves; their problems are
  // reported when the whole document is interpolated, so they are ignored here.
  const early: InterpolationSources = { lookup: (name) => processEnv[name] ?? literalEnv[name], isLeftForShell };
  const references: EnvFileReference[] = readEnvFileEntries(document.get("env_file", true))
    .map(({ value, path, secret }) => ({ file: interpolate(value, early).value, path, secret }))
    .filter((reference) => reference.file !== "");
  const envFiles = readEnvFiles(references, root);
  // A secret file's variables are secrets: `${NAME}` of one is left for start time like any secret.
  for (const name of envFiles.secretNames) secretNames.add(name);

  return {
    sources: {
      lookup: (name) => processEnv[name] ?? envFiles.values[name] ?? literalEnv[name],
      isLeftForShell,
      provided,
    },
    envFileValues: envFiles.values,
    secretEnvFileNames: envFiles.secretNames,
    envFiles: references.map((reference) => resolve(root, reference.file)),
    problems: envFiles.problems,
  };
}

/** env_file as written: a path, or a list of paths and `{ path, secret }` maps. */
function readEnvFileEntries(node: unknown): { value: string; path: KeyPath; secret: boolean }[] {
  if (isScalar(node) && typeof node.value === "string") return [{ value: node.value, path: ["env_file"], secret: false }];
  if (!isSeq(node)) return [];
  return node.items.flatMap((item, index) => {
    if (isScalar(item) && typeof item.value === "string") return [{ value: item.value, path: ["env_file", index], secret: false }];
    if (!isMap(item)) return [];
    const path = item.get("path");
    return typeof path === "string" ? [{ value: path, path: ["env_file", index, "path"], secret: item.get("secret") === true }] : [];
  });
}

/** A string scalar, or a list's string items with their indexes. */
function readStrings(node: unknown): { value: string; index?: number }[] {
  if (isScalar(node) && typeof node.value === "string") return [{ value: node.value }];
  if (!isSeq(node)) return [];
  return node.items.flatMap((item, index) =>
    isScalar(item) && typeof item.value === "string" ? [{ value: item.value, index }] : [],
  );
}

function readLiteralEnv(document: Document): Record<string, string> {
  const env = document.get("env", true) as Node | undefined;
  if (!isMap(env)) return {};
  const values: Record<string, string> = {};
  for (const pair of env.items) {
    if (isScalar(pair.value) && pair.value.value !== null && typeof pair.value.value !== "object") {
      values[keyText(pair.key)] = String(pair.value.value);
    }
  }
  return values;
}

/** libpq's variables, which every process of a stack with `database: postgres` gets. */
export const POSTGRES_VARIABLES = ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"];

/** The variables of the database berth runs, as the document asks for it (a name or `{ engine }`). */
function backingVariableNames(document: Document): string[] {
  const database = document.get("database", true) as Node | undefined;
  const engine = isScalar(database) ? database.value : isMap(database) ? (database.get("engine") as unknown) : undefined;
  return engine === "postgres" ? POSTGRES_VARIABLES : [];
}
