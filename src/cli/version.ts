import { readFileSync } from "node:fs";

/** berth's version from its package.json (dist/src/cli/ is three levels below the package root). */
export function readBerthVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}
