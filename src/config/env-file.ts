import { parse } from "dotenv";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Problem } from "./diagnostics.js";
import type { KeyPath } from "./yaml-locator.js";

export interface EnvFileReference {
  /** As written in berth.yml (after interpolation), relative to berth.yml's directory. */
  file: string;
  /** Where it is written, for diagnostics. */
  path: KeyPath;
}

export interface EnvFileValues {
  values: Record<string, string>;
  problems: Problem[];
}

/**
 * Reads dotenv files in order; a later file overrides an earlier one. Values are taken literally
 * (dotenv semantics, no `${}` expansion), since .env files often hold passwords containing `$`.
 */
export function readEnvFiles(references: readonly EnvFileReference[], root: string): EnvFileValues {
  const values: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const reference of references) {
    const absolute = resolve(root, reference.file);
    try {
      Object.assign(values, parseEnvFile(absolute));
    } catch (error) {
      problems.push({
        path: reference.path,
        message: `env file ${JSON.stringify(reference.file)} ${unreadableReason(error)}`,
        hint: `create ${absolute}, or remove it from env_file`,
      });
    }
  }
  return { values, problems };
}

export function parseEnvFile(absolutePath: string): Record<string, string> {
  return parse(readFileSync(absolutePath));
}

function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "not found";
  if (code === "EISDIR") return "is a directory";
  return `cannot be read (${code ?? String(error)})`;
}
