import type { Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadStack } from "../config/index.js";
import type { Stack } from "../config/types.js";
import { UserError } from "../errors.js";

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

export function loadStackFromOptions(options: GlobalOptions): Stack {
  return loadStack(resolve(options.file), { env: process.env });
}

/** The stack a command acts on: --stack NAME, or the name in berth.yml. */
export function targetStackName(options: GlobalOptions): string {
  if (options.stack) return options.stack;
  const file = resolve(options.file);
  if (!existsSync(file)) {
    throw new UserError(`no ${options.file} here and no --stack given`, {
      hint: "run the command where berth.yml is, pass -f path/to/berth.yml, or name a running stack with --stack (see `berth ls`)",
    });
  }
  return loadStack(file, { env: process.env }).name;
}
