import { readFileSync } from "node:fs";

/** The stack's generated secret values, for redaction when its supervisor is not running. */
export function readSecretValues(path: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return Object.values(parsed).filter((value): value is string => typeof value === "string");
  } catch {
    return [];
  }
}
