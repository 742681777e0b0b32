import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { LoadedStack } from "../config/load.js";
import type { GivenSecret } from "../config/secret-store.js";
import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import { cachedStackName, readIfExists, rememberStackName } from "./stack-name-cache.js";

// The YAML parser and the schema are imported only when a command reads berth.yml: `berth ps
// --stack pixel`, and `berth ps` beside a berth.yml whose name is known (stack-name-cache.ts), do
// without them.

export interface GlobalOptions {
  /** The stack file (the first -f). */
  file: string;
  /** Further -f files merged over it, in order. */
  overlays: string[];
  /** -d NAME: berth.NAME.yml merged over the stack file, as stack <name>-NAME. */
  destination?: string;
  stack?: string;
  json?: boolean;
}

/** Options from the program down to the command, the most specific winning (commander's optsWithGlobals lets the program win). */
export function globalOptions(command: Command): GlobalOptions {
  const chain: Command[] = [];
  for (let current: Command | null = command; current; current = current.parent) chain.unshift(current);
  const merged: Record<string, unknown> = {};
  for (const link of chain) {
    for (const [key, value] of Object.entries(link.opts())) {
      if (value === undefined) continue;
      // -f given before and after the command: all of them, in order.
      merged[key] = key === "file" && Array.isArray(value) && Array.isArray(merged[key]) ? [...(merged[key] as string[]), ...value] : value;
    }
  }
  const files = Array.isArray(merged.file) ? (merged.file as string[]) : [typeof merged.file === "string" ? merged.file : "berth.yml"];
  return { ...merged, file: files[0]!, overlays: files.slice(1) } as unknown as GlobalOptions;
}

/** The files merged over the stack file: further -f files, then the destination's berth.<name>.yml beside it. */
export function overlayFiles(options: GlobalOptions): string[] {
  const overlays = options.overlays.map((file) => resolve(file));
  if (options.destination) overlays.push(destinationFile(resolve(options.file), options.destination));
  return overlays;
}

/** berth.yml → berth.dev.yml (a directory: its berth.yml). */
export function destinationFile(stackFile: string, destination: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(destination)) {
    throw new UserError(`"${destination}" cannot be a destination name`, { hint: "use letters, digits, - and _, e.g. -d dev or -d staging" });
  }
  const file = existsSync(stackFile) && statSync(stackFile).isDirectory() ? join(stackFile, "berth.yml") : stackFile;
  const extension = extname(file);
  const overlay = `${file.slice(0, file.length - extension.length)}.${destination}${extension || ".yml"}`;
  if (!existsSync(overlay)) {
    throw new UserError(`no ${basename(overlay)} for destination "${destination}"`, {
      hint: `create ${overlay} with what differs from ${basename(file)} (see docs/environments.md)`,
    });
  }
  return overlay;
}

export async function loadStackFromOptions(options: GlobalOptions): Promise<Stack> {
  return (await loadStackAndFiles(options)).stack;
}

/** The stack with the files it was merged from and the merged document (`berth config`, deploy). */
export async function loadStackAndFiles(options: GlobalOptions): Promise<LoadedStack> {
  const file = resolve(options.file);
  const { loadStackWithSecrets } = await import("../config/load.js");
  const content = readIfExists(file);
  const overlays = overlayFiles(options);
  const loaded = loadStackWithSecrets(file, { env: process.env, overlays, destination: options.destination });
  await keepGivenSecrets(loaded.stack.name, loaded.givenSecrets);
  // Remember the name only for the content that was loaded, not for an edit made meanwhile.
  if (content !== null && overlays.length === 0 && readIfExists(file) === content) rememberStackName(file, content, loaded.stack.name);
  return loaded;
}

/** The stack a command acts on: --stack NAME, or the name in berth.yml. */
export async function targetStackName(options: GlobalOptions): Promise<string> {
  if (options.stack) return options.stack;
  const file = resolve(options.file);
  if (!existsSync(file)) {
    throw new UserError(`no ${options.file} here and no --stack given`, {
      hint: "run the command where berth.yml is, pass -f path/to/berth.yml, or name a running stack with --stack (see `berth ls`)",
    });
  }
  const merged = options.destination !== undefined || options.overlays.length > 0;
  return (merged ? null : cachedStackName(file)) ?? (await loadStackFromOptions(options)).name;
}

/** Secrets the user brought (environment, env_file) go into the stack's store the first time they are seen; a stored value is kept. */
export async function keepGivenSecrets(stackName: string, given: Record<string, GivenSecret>): Promise<void> {
  if (Object.keys(given).length === 0) return;
  const { storeGivenSecrets } = await import("../config/secret-store.js");
  const { stackPaths } = await import("../util/paths.js");
  storeGivenSecrets(stackPaths(stackName).secrets, given);
}
