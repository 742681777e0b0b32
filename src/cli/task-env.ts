import type { Service, Stack } from "../config/types.js";
import { buildServiceEnv, buildTaskEnv, ensureSecrets, redactText } from "../config/index.js";
import { backingEnv } from "../backing/index.js";
import { stackPaths } from "../util/paths.js";
import { definedEnv } from "../util/process-env.js";

/** The environment a one-off command gets: the same database, secrets and variables as the services. */
export function oneOffEnv(stack: Stack): Record<string, string> {
  const paths = stackPaths(stack.name);
  const secrets = ensureSecrets(paths.secrets, stack.secrets);
  return buildTaskEnv({ stack, secrets, dataDir: paths.data, baseEnv: definedEnv(), backingEnv: backingEnv(stack, paths).env });
}

/** `berth run --service NAME`: that service's environment, as its replica 0 gets it but without a PORT. */
export function oneOffServiceEnv(stack: Stack, service: Service): Record<string, string> {
  const paths = stackPaths(stack.name);
  const secrets = ensureSecrets(paths.secrets, stack.secrets);
  return buildServiceEnv({ stack, service, replica: 0, port: null, secrets, dataDir: paths.data, baseEnv: definedEnv(), backingEnv: backingEnv(stack, paths).env });
}

/** Every value berth must never print for this stack: its secrets and the backing servers' passwords. */
export function secretValuesOf(stack: Stack): string[] {
  const paths = stackPaths(stack.name);
  return [...Object.values(ensureSecrets(paths.secrets, stack.secrets)), ...backingEnv(stack, paths).secretValues];
}

/** What one service's replica 0 sees, without the process environment berth itself inherited. */
export function serviceEnvForDisplay(stack: Stack, serviceName: string | undefined): { env: Record<string, string>; secrets: string[] } {
  const paths = stackPaths(stack.name);
  const secrets = ensureSecrets(paths.secrets, stack.secrets);
  const service = serviceName ? stack.services.find((candidate) => candidate.name === serviceName) : undefined;
  const backing = backingEnv(stack, paths);
  const env = service
    ? buildServiceEnv({ stack, service, replica: 0, port: null, secrets, dataDir: paths.data, baseEnv: {}, backingEnv: backing.env })
    : buildTaskEnv({ stack, secrets, dataDir: paths.data, baseEnv: {}, backingEnv: backing.env });
  // Database and Redis passwords sit inside URLs: only the password part is hidden.
  for (const [name, value] of Object.entries(env)) env[name] = redactText(value, backing.secretValues);
  if (service && service.port.kind !== "none") env.PORT = service.port.kind === "fixed" ? String(service.port.base) : "(assigned per replica)";
  return { env, secrets: Object.keys(secrets) };
}
