import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { readSecretStore } from "./secrets.js";

// Where each secret's value came from and when it last changed, kept beside the 0600 store in a
// file of its own: `berth secret ls` reads it without ever opening a value. The store itself stays
// a plain { NAME: value } object, as the backing servers' credentials read it.

export type SecretSource = "set" | "environment" | "env_file" | "env" | "generated" | "rotated";

export interface SecretRecord {
  source: SecretSource;
  /** ISO time of the last change. */
  changedAt: string;
}

export interface SecretListing {
  name: string;
  /** null: not in the store yet (given or generated at the next `up`). */
  source: SecretSource | null;
  changedAt: string | null;
}

/** A value the user brought for a `secrets:` name, and from where. */
export interface GivenSecret {
  value: string;
  source: SecretSource;
}

const SECRET_BYTES = 32;

export function secretRecordsPath(storePath: string): string {
  return join(dirname(storePath), "secrets-sources.json");
}

export function readSecretRecords(storePath: string): Record<string, SecretRecord> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(secretRecordsPath(storePath), "utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, SecretRecord>) : {};
  } catch {
    // Only descriptions live there: a missing or damaged file loses no value.
    return {};
  }
}

/** A new random value, as berth generates for a secret nobody gave. */
export function generateSecretValue(): string {
  return randomBytes(SECRET_BYTES).toString("base64url");
}

/**
 * Stores the values the user brought (environment, env_file) for names not in the store yet. A
 * value already stored is never replaced: change it with `berth secret set` or `rotate`.
 */
export function storeGivenSecrets(storePath: string, given: Record<string, GivenSecret>, now = new Date()): string[] {
  const store = readSecretStore(storePath);
  const added = Object.entries(given).filter(([name, secret]) => !store[name] && secret.value !== "");
  if (added.length === 0) return [];
  for (const [name, secret] of added) store[name] = secret.value;
  writeStore(storePath, store);
  recordSources(storePath, Object.fromEntries(added.map(([name, secret]) => [name, secret.source])), now);
  return added.map(([name]) => name);
}

/** `berth secret set` and `rotate`: replaces (or adds) one value. */
export function writeSecret(storePath: string, name: string, value: string, source: SecretSource, now = new Date()): void {
  if (value === "") throw new UserError(`the value for ${name} is empty`, { hint: `pipe it in: printf %s "$VALUE" | berth secret set ${name}` });
  const store = readSecretStore(storePath);
  store[name] = value;
  writeStore(storePath, store);
  recordSources(storePath, { [name]: source }, now);
}

/** Returns whether the store held the name. */
export function removeSecret(storePath: string, name: string): boolean {
  const store = readSecretStore(storePath);
  if (!(name in store)) return false;
  delete store[name];
  writeStore(storePath, store);
  const records = readSecretRecords(storePath);
  delete records[name];
  writeFileAtomic(secretRecordsPath(storePath), JSON.stringify(records, null, 2) + "\n", 0o600);
  return true;
}

export function listSecrets(storePath: string, names: readonly string[]): SecretListing[] {
  const store = readSecretStore(storePath);
  const records = readSecretRecords(storePath);
  return names.map((name) => {
    if (!store[name]) return { name, source: null, changedAt: null };
    const record = records[name];
    return { name, source: record?.source ?? "generated", changedAt: record?.changedAt ?? null };
  });
}

export function recordSources(storePath: string, sources: Record<string, SecretSource>, now = new Date()): void {
  const records = readSecretRecords(storePath);
  for (const [name, source] of Object.entries(sources)) records[name] = { source, changedAt: now.toISOString() };
  writeFileAtomic(secretRecordsPath(storePath), JSON.stringify(records, null, 2) + "\n", 0o600);
}

function writeStore(storePath: string, store: Record<string, string>): void {
  writeFileAtomic(storePath, JSON.stringify(store, null, 2) + "\n", 0o600);
}
