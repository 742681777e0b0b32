import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { berthHome } from "../util/paths.js";

// Loading berth.yml (YAML, schema, defaults) is most of the CPU a `berth ps` or `berth logs` costs,
// and those only need the stack's name. The name is a function of the file's path and content,
// except when the `name:` line interpolates a variable, so it is remembered per path and content hash.

interface CachedName {
  sha256: string;
  name: string;
}

const CACHE_FILE = "stack-names.json";
const INTERPOLATED_NAME = /^name:.*\$/m;

/** The name berth.yml at `file` (an absolute path) had when its content was last loaded, if it is unchanged. */
export function cachedStackName(file: string, home = berthHome()): string | null {
  const content = readIfExists(file);
  if (content === null) return null;
  const entry = readCache(home)[file];
  return entry && entry.sha256 === hash(content) ? entry.name : null;
}

/** Remembers the name loaded from `content` at `file`; names made from variables are not remembered. */
export function rememberStackName(file: string, content: string, name: string, home = berthHome()): void {
  if (INTERPOLATED_NAME.test(content)) return;
  try {
    const cache = readCache(home);
    const sha256 = hash(content);
    if (cache[file]?.sha256 === sha256 && cache[file]?.name === name) return;
    cache[file] = { sha256, name };
    writeFileAtomic(join(home, CACHE_FILE), JSON.stringify(cache));
  } catch {
    // Only a cache: a read-only or missing home costs the next call a full load, nothing more.
  }
}

export function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function readCache(home: string): Record<string, CachedName> {
  const text = readIfExists(join(home, CACHE_FILE));
  if (text === null) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, CachedName>) : {};
  } catch {
    return {};
  }
}

function hash(content: string): string {
  return createHash("sha256").update(content).digest("hex");
}
