import { parse } from "dotenv";
import { resolve } from "node:path";
import type { Problem } from "./diagnostics.js";
import { readRegularFile, UnreadableFileError } from "./read-regular-file.js";
import { quoteShort } from "./shorten.js";
import type { KeyPath } from "./yaml-locator.js";

export interface EnvFileReference {
  /** As written in berth.yml (after interpolation), relative to berth.yml's directory. */
  file: string;
  /** Where it is written, for diagnostics. */
  path: KeyPath;
  /** `{ path, secret: true }`: every variable of the file is a secret. */
  secret?: boolean;
}

export interface EnvFileValues {
  values: Record<string, string>;
  /** The variables of files marked secret. */
  secretNames: string[];
  problems: Problem[];
}

// dotenv assigns into a plain object, where `__proto__=x` would vanish without a word.
const PROTOTYPE_KEY_LINE = /^[ \t]*(?:export[ \t]+)?(__proto__|constructor|prototype)[ \t]*[=:]/m;

/**
 * Reads dotenv files in order; a later file overrides an earlier one. Values are taken literally
 * (dotenv semantics, no `${}` expansion), since .env files often hold passwords containing `$`.
 */
export function readEnvFiles(references: readonly EnvFileReference[], root: string): EnvFileValues {
  const values: Record<string, string> = {};
  const secretNames = new Set<string>();
  const problems: Problem[] = [];
  for (const reference of references) {
    const shown = `env file ${quoteShort(reference.file)}`;
    if (reference.file.includes("\0")) {
      problems.push({ path: reference.path, message: `${shown} contains a NUL byte`, hint: "remove the NUL byte from the path" });
      continue;
    }
    const absolute = resolve(root, reference.file);
    try {
      const parsed = parseEnvFile(absolute);
      Object.assign(values, parsed);
      if (reference.secret) for (const name of Object.keys(parsed)) secretNames.add(name);
    } catch (error) {
      if (!(error instanceof EnvFileError || error instanceof UnreadableFileError)) throw error;
      const missing = error instanceof UnreadableFileError && error.reason.kind === "missing";
      problems.push({
        path: reference.path,
        message: `${shown} ${error.message}`,
        hint: error instanceof EnvFileError ? error.hint : missing ? `create ${absolute}, or remove it from env_file` : "point env_file at a regular dotenv file of at most 1 MiB",
      });
    }
  }
  return { values, secretNames: [...secretNames], problems };
}

class EnvFileError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

/** A dotenv file's variables: a regular file of at most 1 MiB, without NUL bytes or prototype names. */
export function parseEnvFile(absolutePath: string): Record<string, string> {
  const content = readRegularFile(absolutePath);
  if (content.includes(0)) {
    throw new EnvFileError("contains a NUL byte", "remove it: environment variables cannot hold NUL bytes");
  }
  const prototypeKey = PROTOTYPE_KEY_LINE.exec(content.toString("utf8"))?.[1];
  if (prototypeKey) {
    throw new EnvFileError(`sets \`${prototypeKey}\``, "rename the variable; __proto__, constructor and prototype are refused as names");
  }
  return parse(content);
}
