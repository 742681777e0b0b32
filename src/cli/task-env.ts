import type { Stack } from "../config/types.js";
import { buildServiceEnv, buildTaskEnv, ensureSecrets } from "../config/index.js";
import { stackPaths } from "../util/paths.js";

function processEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The environment a one-off command gets: the same database, secrets and variables as the services. */
export function oneOffEnv(stack: Stack): Record<string, string> {
  const paths = stackPaths(stack.name);
  const secrets = ensureSecrets(paths.secrets, stack.secrets);
  return buildTaskEnv({ stack, secrets, dataDir: paths.data, baseEnv: processEnv() });
}

/** What one service's replica 0 sees, without the process environment berth itself inherited. */
export function serviceEnvForDisplay(stack: Stack, serviceName: string | undefined): { env: Record<string, string>; secrets: string[] } {
  const paths = stackPaths(stack.name);
  const secrets = ensureSecrets(paths.secrets, stack.secrets);
  const service = serviceName ? stack.services.find((candidate) => candidate.name === serviceName) : undefined;
  const env = service
    ? buildServiceEnv({ stack, service, replica: 0, port: null, secrets, dataDir: paths.data, baseEnv: {} })
    : buildTaskEnv({ stack, secrets, dataDir: paths.data, baseEnv: {} });
  if (service && service.port.kind !== "none") env.PORT = service.port.kind === "fixed" ? String(service.port.base) : "(assigned per replica)";
  return { env, secrets: Object.keys(secrets) };
}
