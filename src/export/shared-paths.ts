import { statSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "../config/types.js";
import type { Unexpressed } from "./types.js";

// `shared:` paths kept across releases become volumes in containers. A volume is a directory, so a
// shared file (the usual `.env`) cannot be one: it is reported, and its values belong in env/secrets.

export interface SharedPaths {
  /** Index in `shared:` and the relative path. */
  directories: { index: number; path: string }[];
  unexpressed: Unexpressed[];
}

export function sharedDirectories(stack: Stack): SharedPaths {
  const directories: SharedPaths["directories"] = [];
  const unexpressed: Unexpressed[] = [];
  for (const [index, path] of stack.shared.entries()) {
    if (isFile(join(stack.root, path))) {
      unexpressed.push({ path: ["shared", index], instead: `${path} is a file, and a volume is a directory: put its values in env: or secrets:` });
    } else {
      directories.push({ index, path });
    }
  }
  return { directories, unexpressed };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
