import { readFileSync } from "node:fs";
import { join } from "node:path";
import { berthJson, berthOk, httpGet, waitFor, type BerthOptions, type PsRow } from "./berth-cli.js";

export interface BackupRow {
  name: string;
  path: string;
  engine: string;
  kind: string;
  sizeBytes: number;
}

/** Every replica of the stack running and healthy (or without a check); the rows. */
export function waitForHealthy(options: BerthOptions, count: number, timeoutMs = 90_000): Promise<PsRow[]> {
  return waitFor(async () => {
    const rows = await berthJson<PsRow[]>(["ps"], options);
    return rows.length === count && rows.every((row) => row.status === "running" && (row.health === "healthy" || row.health === "none")) ? rows : undefined;
  }, `${count} healthy replicas`, timeoutMs);
}

/** The answer of GET path on the service's replica 0 (Host: <stack>.test). */
export async function getFrom(options: BerthOptions, service: string, path: string, host: string): Promise<string> {
  const rows = await berthJson<PsRow[]>(["ps"], options);
  const row = rows.find((candidate) => candidate.service === service && candidate.replica === 0);
  if (!row?.port) throw new Error(`${service} has no port`);
  const answer = await httpGet(row.port, path, host);
  if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
  return answer.body;
}

/** `berth backup --json`, returning the one file of `engine`. */
export async function backupOf(options: BerthOptions, engine: string): Promise<BackupRow> {
  const files = await berthJson<BackupRow[]>(["backup"], options);
  const file = files.find((candidate) => candidate.engine === engine);
  if (!file) throw new Error(`no ${engine} backup in ${JSON.stringify(files)}`);
  return file;
}

/** What berth generated and stored for the stack (never printed by berth itself). */
export function storedSecret(home: string, stack: string, name: string): string {
  return (JSON.parse(readFileSync(join(home, "stacks", stack, "secrets.json"), "utf8")) as Record<string, string>)[name]!;
}

export async function runOutput(args: string[], options: BerthOptions): Promise<string> {
  return (await berthOk(["run", ...args], options)).stdout;
}
