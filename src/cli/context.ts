import type { Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { GivenSecret } from "../config/secret-store.js";
import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";
import { cachedStackName, readIfExists, rememberStackName } from "./stack-name-cache.js";

// The YAML parser and the schema are imported only when a command reads berth.yml: `berth ps
// --stack pixel`, and `berth ps` beside a berth.yml whose name is known (stack-name-cache.ts), do
// without them.

export interface GlobalOptions {
  file: string;
  stack?: string;
  json?: boolean;
}

/** Options from the program down to the command, the most specific winning (commander's optsWithGlobals lets the program win). */
export function globalOptions(command: Command): GlobalOptions {
  const chain: Command[] = [];
  for (let current: Command | null = command; current; current = current.parent) chain.unshift(current);
  const merged: Record<string, unknown> = {};
  for (const link of chain) {
    for (const [key, value] of Object.entries(link.opts())) if (value !== undefined) merged[key] = value;
  }
  return merged as unknown as GlobalOptions;
}

export async function loadStackFromOptions(options: GlobalOptions): Promise<Stack> {
  const file = resolve(options.file);
  const { loadStackWithSecrets } = await import("../config/load.js");
  const content = readIfExists(file);
  const { stack, givenSecrets } = loadStackWithSecrets(file, { env: process.env });
  await keepGivenSecrets(stack.name, givenSecrets);
  // Remember the name only for the content that was loaded, not for an edit made meanwhile.
  if (content !== null && readIfExists(file) === content) rememberStackName(file, content, stack.name);
  return stack;
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
  return cachedStackName(file) ?? (await loadStackFromOptions(options)).name;
}

/** Secrets the user brought (environment, env_file) go into the stack's store the first time they are seen; a stored value is kept. */
export async function keepGivenSecrets(stackName: string, given: Record<string, GivenSecret>): Promise<void> {
  if (Object.keys(given).length === 0) return;
  const { storeGivenSecrets } = await import("../config/secret-store.js");
  const { stackPaths } = await import("../util/paths.js");
  storeGivenSecrets(stackPaths(stackName).secrets, given);
}
