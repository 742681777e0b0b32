import * as z from "zod";
import { field } from "./field-info.js";

// Keys for `berth deploy`: build steps, paths shared between releases, history size, hooks.

export const RELEASE_DEFAULTS = Object.freeze({ keepReleases: 5 });

const commands = (description: string, example: string) =>
  field(z.union([z.string().min(1), z.array(z.string().min(1))]), {
    description,
    expected: "a shell command or a list of commands",
    hint: `write e.g. \`${example}\``,
  });

export const releaseKeys = {
  build: field(
    z.union([
      commands("Commands run in each new release directory before its release tasks (install dependencies, build the front end).", "build: [pip install -r requirements.txt]"),
      z.strictObject({
        commands: commands("Commands run in each new release directory before its release tasks.", "commands: [npm ci, npm run build]"),
        outputs: field(z.array(z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/)), {
          description: "Paths (relative to the app) the build makes; `deploy --skip-build` copies them from the live release.",
          expected: "a list of relative paths without ..",
          hint: "write e.g. `outputs: [frontend/dist]`",
        }).optional(),
      }),
    ]),
    {
      description: "Commands run in each new release directory before its release tasks (install dependencies, build the front end), or `{ commands, outputs }`.",
      expected: "a shell command, a list of commands, or a map with commands and outputs",
      hint: "write e.g. `build: [pip install -r requirements.txt]` or `build: { commands: [npm run build], outputs: [frontend/dist] }`",
    },
  ).optional(),
  shared: field(z.array(z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/)), {
    description: "Paths (relative to the app) kept across releases and linked into each one: media, local settings, .env.",
    expected: "a list of relative paths without ..",
    hint: "write e.g. `shared: [media, .env]`",
  }).optional(),
  keep_releases: field(z.number().int().min(1), {
    description: "How many releases `berth deploy` keeps for rollback.",
    default: RELEASE_DEFAULTS.keepReleases,
    expected: "a whole number (1 or more)",
    hint: "write e.g. `keep_releases: 5`",
  }).optional(),
  hooks: field(z.strictObject({
    pre_deploy: commands("Run before a deploy builds anything, with the stack's environment.", "pre_deploy: ./bin/notify start").optional(),
    post_deploy: commands("Run after traffic has moved to the new release.", "post_deploy: ./bin/notify done").optional(),
  }), { description: "Commands run around each deploy.", expected: "a map with pre_deploy and/or post_deploy", hint: "write e.g. `hooks: { post_deploy: ./bin/notify }`" }).optional(),
};

export function commandListOf(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : [...value];
}

/** The build's commands, whichever way `build:` is written. */
export function buildCommandsOf(value: string | string[] | { commands: string | string[]; outputs?: string[] } | undefined): string[] {
  return typeof value === "object" && !Array.isArray(value) ? commandListOf(value.commands) : commandListOf(value);
}

/** `build.outputs`, or none. */
export function buildOutputsOf(value: unknown): string[] {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? [...((value as { outputs?: string[] }).outputs ?? [])] : [];
}
