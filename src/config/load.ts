import { statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import { UserError, type Diagnostic } from "../errors.js";
import { checkBackupInterval, minimumBackupIntervalMs } from "./backup-schedule.js";
import { checkDocumentStructure, MAX_NESTING_DEPTH, NESTING_HINT } from "./check-document.js";
import { DEFAULTS } from "./defaults.js";
import { sortDiagnostics, toDiagnostic, type Problem } from "./diagnostics.js";
import { interpolateDocument } from "./interpolate-document.js";
import { prepareInterpolation } from "./interpolation-sources.js";
import { separateGivenSecrets } from "./given-secrets.js";
import type { GivenSecret } from "./secret-store.js";
import { findExcessiveNesting, locateOffset } from "./nesting-precheck.js";
import { checkPaths } from "./path-checks.js";
import { describeUnreadable, readRegularFile, UnreadableFileError } from "./read-regular-file.js";
import { mergeOverlay, type NodeOrigins, type SourceFile } from "./overlay.js";
import { resolveStack, toStackName } from "./resolve.js";
import { berthFileSchema } from "./schema.js";
import { checkSemantics } from "./semantic.js";
import type { Stack } from "./types.js";
import { createYamlLocator, type YamlLocator } from "./yaml-locator.js";
import { yamlErrorToDiagnostic } from "./yaml-errors.js";
import { convertDocument } from "./yaml-to-value.js";
import { issuesToProblems } from "./zod-issues.js";

export interface LoadOptions {
  /** The environment `${VAR}` reads first (and BERTH_MIN_BACKUP_INTERVAL). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Files merged over the stack file in order (maps merge, lists replace, null removes). */
  overlays?: string[];
  /** `-d NAME`: the stack is named `<name>-NAME` unless an overlay names it. */
  destination?: string;
}

/** A report longer than this is not read; the rest is summed up in one line. */
const MAX_DIAGNOSTICS = 100;

/**
 * Reads, interpolates and validates berth.yml (or a directory holding one), reporting every problem
 * at once as a UserError whose diagnostics point at lines and columns. Whatever the input, it
 * returns a Stack or throws a UserError, in time and memory bounded by the file's size (≤ 1 MiB).
 */
export function loadStack(file: string, options: LoadOptions = {}): Stack {
  return loadStackWithSecrets(file, options).stack;
}

export interface LoadedStack {
  /** The stack, its env without the values of `secrets:` names. */
  stack: Stack;
  /** Values the user brought for `secrets:` names (environment, env_file, env:), for the secret store. */
  givenSecrets: Record<string, GivenSecret>;
  /** Absolute paths of the env files read. */
  envFiles: string[];
  /** The stack file, then the overlays merged over it, absolute. */
  files: string[];
  /** The merged document after interpolation, as plain data (`berth config`). */
  merged: unknown;
}

/** loadStack(), also returning the secret values the user gave, which the Stack itself never holds. */
export function loadStackWithSecrets(file: string, options: LoadOptions = {}): LoadedStack {
  const absolute = stackFilePath(file);
  const shown = displayPath(absolute);
  const root = dirname(absolute);
  const base = parseStackFile(absolute, shown);
  const overlays = (options.overlays ?? []).map((overlay) => parseStackFile(resolve(overlay), displayPath(resolve(overlay))));
  const allShown = [shown, ...overlays.map((overlay) => overlay.shown)].join(" + ");
  const { document, lineCounter, text } = base;
  const origins: NodeOrigins = new WeakMap();
  for (const overlay of overlays) mergeOverlay(document, overlay.document, overlay, origins);
  const locator = createYamlLocator(document, lineCounter, shown, (node) => (node !== null && typeof node === "object" ? origins.get(node) : undefined));

  // Problems of each file's own structure were located in that file.
  const structureDiagnostics = [base, ...overlays].flatMap((parsed) => parsed.structureDiagnostics);
  const env = options.env ?? process.env;
  const prepared = prepareInterpolation(document, root, env);
  const problems: Problem[] = [...prepared.problems, ...interpolateDocument(document, text, prepared.sources)];
  const converted = convertDocument(document);
  if (!converted.ok) throw problemsFound(allShown, [...structureDiagnostics, ...toDiagnostics([...problems, converted.problem], locator)]);

  const raw = converted.value;
  const parsed = berthFileSchema.safeParse(raw);
  if (!parsed.success) problems.push(...issuesToProblems(berthFileSchema, parsed.error.issues, raw));
  problems.push(...checkSemantics(raw), ...checkPaths(raw, root), ...checkBackupInterval(raw, minimumBackupIntervalMs(env)));

  if (problems.length > 0 || structureDiagnostics.length > 0 || !parsed.success) {
    throw problemsFound(allShown, [...structureDiagnostics, ...toDiagnostics(problems, locator)]);
  }
  const written = resolveStack(parsed.data, { file: absolute, envFileValues: prepared.envFileValues });
  const resolved = { ...written, secrets: [...new Set([...written.secrets, ...prepared.secretEnvFileNames])] };
  const named = options.destination && !overlays.some((overlay) => overlay.document.has("name")) ? { ...resolved, name: destinationStackName(resolved.name, options.destination) } : resolved;
  const separated = separateGivenSecrets(named, env, prepared.envFileValues);
  return {
    stack: separated.stack,
    givenSecrets: separated.given,
    envFiles: prepared.envFiles,
    files: [absolute, ...(options.overlays ?? []).map((overlay) => resolve(overlay))],
    merged: raw,
  };
}

/** A destination's stack runs beside the base one, with its own data: `pixel` with `-d dev` is `pixel-dev`. */
export function destinationStackName(name: string, destination: string): string {
  return toStackName(`${name}-${destination}`);
}

interface ParsedStackFile extends SourceFile {
  document: Document;
  text: string;
  structureDiagnostics: Diagnostic[];
}

/** Reads and parses one stack file; YAML errors and runaway nesting are reported alone, at once. */
function parseStackFile(absolute: string, shown: string): ParsedStackFile {
  const text = readStackFile(absolute, shown);
  const tooDeep = findExcessiveNesting(text, MAX_NESTING_DEPTH);
  if (tooDeep !== undefined) {
    throw problemsFound(shown, [
      {
        location: locateOffset(text, tooDeep, shown),
        path: "",
        message: `nested more than ${MAX_NESTING_DEPTH} levels deep`,
        hint: NESTING_HINT,
      },
    ]);
  }

  const lineCounter = new LineCounter();
  // Keys are checked for duplicates in checkDocumentStructure, in linear time.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const locator = createYamlLocator(document, lineCounter, shown);
  // A YAML error leaves a tree that no longer matches what the user meant; validating it would add
  // confusing follow-on problems, so YAML errors are reported alone.
  if (document.errors.length > 0) {
    throw problemsFound(shown, document.errors.map((error) => yamlErrorToDiagnostic(error, locator)));
  }
  const structure = checkDocumentStructure(document);
  const structureDiagnostics = toDiagnostics(structure.problems, locator);
  if (structure.tooDeep) throw problemsFound(shown, structureDiagnostics);
  return { document, lineCounter, text, shown, structureDiagnostics };
}

function stackFilePath(file: string): string {
  const absolute = resolve(file);
  try {
    return statSync(absolute).isDirectory() ? join(absolute, DEFAULTS.fileName) : absolute;
  } catch {
    return absolute;
  }
}

function readStackFile(absolute: string, shown: string): string {
  try {
    return readRegularFile(absolute).toString("utf8");
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    if (error.reason.kind === "missing") {
      throw new UserError(`no ${basename(absolute)} at ${shown}`, {
        hint: "run `berth init` to create one, or point at yours with -f <path>",
      });
    }
    throw new UserError(`${shown} ${describeUnreadable(error.reason)}`, {
      hint: error.reason.kind === "error" ? "check the file's permissions" : "point berth at a berth.yml file of at most 1 MiB",
    });
  }
}

function toDiagnostics(problems: readonly Problem[], locator: YamlLocator): Diagnostic[] {
  return problems.map((problem) => toDiagnostic(problem, locator));
}

function problemsFound(shown: string, diagnostics: Diagnostic[]): UserError {
  const count = diagnostics.length;
  const sorted = sortDiagnostics(diagnostics);
  const shownDiagnostics = sorted.slice(0, MAX_DIAGNOSTICS);
  const firstLeftOut = sorted[MAX_DIAGNOSTICS];
  if (firstLeftOut) {
    shownDiagnostics.push({
      location: firstLeftOut.location,
      path: "",
      message: `and ${count - MAX_DIAGNOSTICS} more problems from here on`,
      hint: "fix the problems above and run again",
    });
  }
  // With overlays, the files that hold the problems: "berth.dev.yml has 1 problem".
  const files = [...new Set(diagnostics.map((diagnostic) => diagnostic.location?.file).filter((file): file is string => file !== undefined))];
  const named = files.length > 0 ? files.map((file) => basename(file)).join(" and ") : basename(shown);
  return new UserError(`${named} ${files.length > 1 ? "have" : "has"} ${count} problem${count === 1 ? "" : "s"}`, { diagnostics: shownDiagnostics });
}

/** Relative to the working directory when the file is under it, so messages stay short. */
function displayPath(absolute: string): string {
  const fromHere = relative(process.cwd(), absolute);
  return fromHere && !fromHere.startsWith("..") && !isAbsolute(fromHere) ? fromHere : absolute;
}
