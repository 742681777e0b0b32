import type { GivenSecret } from "./secret-store.js";
import type { Stack } from "./types.js";

/**
 * Takes the values of `secrets:` names out of the stack's env (env_file and env:) and reports them
 * as given, with where they came from: the environment first, then env_file, then env:. The Stack
 * that goes on to the daemon, its state file and `--json` answers then holds no secret value; the
 * values travel only into the 0600 store (storeGivenSecrets).
 */
export function separateGivenSecrets(
  stack: Stack,
  processEnv: NodeJS.ProcessEnv,
  envFileValues: Record<string, string>,
): { stack: Stack; given: Record<string, GivenSecret> } {
  const given: Record<string, GivenSecret> = {};
  for (const name of stack.secrets) {
    const fromEnvironment = processEnv[name];
    if (fromEnvironment) given[name] = { value: fromEnvironment, source: "environment" };
    else if (envFileValues[name] !== undefined && envFileValues[name] === stack.env[name]) given[name] = { value: envFileValues[name]!, source: "env_file" };
    else if (stack.env[name]) given[name] = { value: stack.env[name]!, source: "env" };
    if (given[name]?.value === "") delete given[name];
  }
  const secret = new Set(stack.secrets);
  const withoutSecrets = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([name]) => !secret.has(name)));
  return {
    stack: {
      ...stack,
      env: withoutSecrets(stack.env),
      services: stack.services.map((service) => ({ ...service, env: withoutSecrets(service.env) })),
    },
    given,
  };
}
