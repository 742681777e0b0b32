// The config module's public API: load and validate berth.yml into a Stack, secrets, the
// environment contract for processes, detection for `berth init`, and the JSON Schema.

export type * from "./types.js";
export { loadStack, type LoadOptions } from "./load.js";
export { resolveStack, stackNameFromDirectory, toStackName, type ResolveContext } from "./resolve.js";
export { berthFileSchema, type BerthFile } from "./schema.js";
export { DEFAULTS, isRuntimeVariable, MAX_REPLICAS } from "./defaults.js";
export { interpolate, escapeInterpolation, type InterpolationSources, type InterpolationResult } from "./interpolate.js";
export { parseEnvFile } from "./env-file.js";
export { ensureSecrets, readSecretStore, redactEnv, redactText, REDACTED } from "./secrets.js";
export {
  buildServiceEnv,
  buildTaskEnv,
  sqliteDatabasePath,
  sqliteDatabaseUrl,
  type ServiceEnvOptions,
  type TaskEnvOptions,
} from "./service-env.js";
export { startOrder } from "./dependency-order.js";
export { detectProject, type Detection, type DetectedService, type ProjectKind } from "./detect.js";
export { renderBerthYml } from "./render-berth-yml.js";
export { buildJsonSchema } from "./json-schema.js";
export { durationToMs, sizeToBytes } from "./units.js";
