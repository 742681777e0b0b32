import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { recordSources } from "./secret-store.js";

// The secrets store is a JSON object { NAME: value } readable only by its owner (0600, in a 0700
// directory). A value, once generated, is never replaced: sessions, signed tokens and encrypted
// data depend on it staying the same across restarts and deploys.

export const REDACTED = "********";
const SECRET_BYTES = 32;

/** Returns a value for every name, generating and storing the ones not yet in the store. */
export function ensureSecrets(storePath: string, names: readonly string[]): Record<string, string> {
  const store = readSecretStore(storePath);
  const before = Object.fromEntries(Object.entries(store).filter(([, value]) => value !== ""));
  let added = false;
  for (const name of names) {
    if (typeof store[name] === "string" && store[name] !== "") continue;
    store[name] = randomBytes(SECRET_BYTES).toString("base64url");
    added = true;
  }
  if (added) {
    writeFileAtomic(storePath, JSON.stringify(store, null, 2) + "\n", 0o600);
    recordGenerated(storePath, names.filter((name) => !(name in before)));
  }
  return Object.fromEntries(names.map((name) => [name, store[name] ?? ""]));
}

export function readSecretStore(storePath: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(storePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new UserError(`cannot read the secrets store ${storePath}`, { hint: "check its owner and permissions (it should be 0600)" });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  } catch {
    // Regenerating would silently change every secret, so a damaged store stops everything instead.
    throw new UserError(`the secrets store ${storePath} is not valid JSON`, {
      hint: "restore it from a backup; it must be a JSON object of NAME: value",
    });
  }
}

/** A copy of env with the values of secret variables replaced by ********. */
export function redactEnv(env: Record<string, string>, secretNames: readonly string[]): Record<string, string> {
  const secret = new Set(secretNames);
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, secret.has(name) ? REDACTED : value]));
}

/** Replaces every occurrence of a secret value in text, for logs and error output. */
export function redactText(text: string, secretValues: readonly string[]): string {
  // Longest first, so a secret that contains another is not half-redacted.
  const values = [...new Set(secretValues)].filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
  let redacted = text;
  for (const value of values) redacted = redacted.split(value).join(REDACTED);
  return redacted;
}

function recordGenerated(storePath: string, names: readonly string[]): void {
  recordSources(storePath, Object.fromEntries(names.map((name) => [name, "generated" as const])));
}
