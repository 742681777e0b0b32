import type { Command } from "commander";
import { stringify } from "yaml";
import { readSecretStore, redactText, REDACTED } from "../../config/secrets.js";
import { isRecord } from "../../util/is-record.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, loadStackAndFiles } from "../context.js";
import { printJson, printLine } from "../output.js";

export function registerConfig(program: Command): void {
  program
    .command("config")
    .description("print the stack file as berth reads it: overlays (-f, -d) merged, variables substituted, secrets masked")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const loaded = await loadStackAndFiles(global);
      const { stack } = loaded;
      // The name the stack runs as (a destination's), first as in the file.
      const { name: _written, ...rest } = loaded.merged as Record<string, unknown>;
      const shown = maskSecretEntries({ name: stack.name, ...rest }, new Set(stack.secrets));
      const values = [...Object.values(readSecretStore(stackPaths(stack.name).secrets)), ...Object.values(loaded.givenSecrets).map((secret) => secret.value), ...urlPasswords(stack)];
      const text = global.json ? JSON.stringify(shown, null, 2) : stringify(shown, { lineWidth: 0 });
      const header = loaded.files.length > 1 ? `# ${loaded.files.join(" + ")}\n` : "";
      if (global.json) printJson(JSON.parse(redactText(text, values)));
      else printLine(header + redactText(text, values).trimEnd());
    });
}

/** env entries named in `secrets:` (the stack's and each service's) as ********. */
function maskSecretEntries(document: Record<string, unknown>, secrets: ReadonlySet<string>): Record<string, unknown> {
  const maskEnv = (env: unknown) => (isRecord(env) ? Object.fromEntries(Object.entries(env).map(([name, value]) => [name, secrets.has(name) ? REDACTED : value])) : env);
  const services = isRecord(document.services)
    ? Object.fromEntries(Object.entries(document.services).map(([name, service]) => [name, isRecord(service) && "env" in service ? { ...service, env: maskEnv(service.env) } : service]))
    : document.services;
  return { ...document, ...("env" in document ? { env: maskEnv(document.env) } : {}), ...(services !== undefined ? { services } : {}) };
}

function urlPasswords(stack: { database: { engine: string; url?: string } }): string[] {
  if (stack.database.engine !== "external" || !stack.database.url) return [];
  try {
    const password = new URL(stack.database.url).password;
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}
