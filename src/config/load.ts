import { readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { UserError, type Diagnostic } from "../errors.js";
import { DEFAULTS } from "./defaults.js";
import { sortDiagnostics, toDiagnostic, yamlErrorToDiagnostic } from "./diagnostics.js";
import { interpolateDocument } from "./interpolate-document.js";
import { prepareInterpolation } from "./interpolation-sources.js";
import { resolveStack } from "./resolve.js";
import { berthFileSchema } from "./schema.js";
import { checkSemantics } from "./semantic.js";
import type { Stack } from "./types.js";
import { createYamlLocator } from "./yaml-locator.js";
import { issuesToProblems } from "./zod-issues.js";

export interface LoadOptions {
  /** The environment `${VAR}` reads first. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

// YAML errors other than duplicate keys leave a tree that no longer matches what the user meant;
// validating it would add confusing follow-on problems, so those errors are reported alone.
const ERRORS_THAT_KEEP_THE_TREE = new Set(["DUPLICATE_KEY"]);

/**
 * Reads, interpolates and validates berth.yml (or a directory holding one), reporting every problem
 * at once as a UserError whose diagnostics point at lines and columns.
 */
export function loadStack(file: string, options: LoadOptions = {}): Stack {
  const absolute = stackFilePath(file);
  const shown = displayPath(absolute);
  const text = readStackFile(absolute, shown);

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locator = createYamlLocator(document, lineCounter, shown);
  const diagnostics: Diagnostic[] = document.errors.map((error) => yamlErrorToDiagnostic(error, locator));
  if (document.errors.some((error) => !ERRORS_THAT_KEEP_THE_TREE.has(error.code))) {
    throw problemsFound(shown, diagnostics);
  }

  const prepared = prepareInterpolation(document, dirname(absolute), options.env ?? process.env);
  const problems = [...prepared.problems, ...interpolateDocument(document, text, prepared.sources)];
  const raw: unknown = document.toJS();
  const parsed = berthFileSchema.safeParse(raw);
  if (!parsed.success) problems.push(...issuesToProblems(berthFileSchema, parsed.error.issues, raw));
  problems.push(...checkSemantics(raw));

  diagnostics.push(...problems.map((problem) => toDiagnostic(problem, locator)));
  if (diagnostics.length > 0 || !parsed.success) throw problemsFound(shown, diagnostics);
  return resolveStack(parsed.data, { file: absolute, envFileValues: prepared.envFileValues });
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
    return readFileSync(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new UserError(`no ${basename(absolute)} at ${shown}`, {
        hint: "run `berth init` to create one, or point at yours with -f <path>",
      });
    }
    throw new UserError(`cannot read ${shown} (${code ?? "unknown error"})`, {
      hint: "check the file's permissions",
    });
  }
}

function problemsFound(shown: string, diagnostics: Diagnostic[]): UserError {
  const count = diagnostics.length;
  return new UserError(`${basename(shown)} has ${count} problem${count === 1 ? "" : "s"}`, {
    diagnostics: sortDiagnostics(diagnostics),
  });
}

/** Relative to the working directory when the file is under it, so messages stay short. */
function displayPath(absolute: string): string {
  const fromHere = relative(process.cwd(), absolute);
  return fromHere && !fromHere.startsWith("..") && !isAbsolute(fromHere) ? fromHere : absolute;
}
