import { interpolate } from "./interpolate.js";

/**
 * Resolves what berth.yml left for start time in env values: `${PGPASSWORD}`, `${PORT}`, a secret.
 * Only `names` (the user's variables) are resolved, and only against `provided` (what berth gives
 * this one process), so each replica sees its own PORT. A reference to anything else stays as
 * written: loading already refused names that are neither defined nor provided.
 */
export function resolveRuntimeReferences(env: Record<string, string>, names: Iterable<string>, provided: ReadonlySet<string>): void {
  const sources = {
    lookup: (name: string) => env[name],
    isLeftForShell: (name: string) => !provided.has(name),
  };
  for (const name of names) {
    const value = env[name];
    if (value === undefined || provided.has(name) || !value.includes("${")) continue;
    env[name] = interpolate(value, sources).value;
  }
}
