import { existsSync, statSync } from "node:fs";
import type { Stack } from "../config/types.js";
import { inspectHost } from "../backing/host-check.js";
import { hostNotReady } from "../backing/backing-services.js";
import { UserError } from "../errors.js";
import type { StackPaths } from "../util/paths.js";

// Everything that can be checked before a change touches a running process is checked first, so a
// change that would fail leaves the running stack exactly as it was.

export interface PreflightContext {
  paths: StackPaths;
  appEnv: Record<string, string>;
  /** Host names served by the other stacks that are up, by stack name. */
  otherStacksHosts: Map<string, string[]>;
}

export function preflight(stack: Stack, context: PreflightContext): void {
  const failed = inspectHost(stack, context.paths, context.appEnv).checks.filter((check) => !check.ok && check.neededToStart);
  if (failed.length > 0) throw hostNotReady(failed);
  for (const service of stack.services) {
    if (!existsSync(service.cwd) || !statSync(service.cwd).isDirectory()) {
      throw new UserError(`the directory of ${service.name} does not exist: ${service.cwd}`, { hint: `create it, or fix \`services.${service.name}.cwd\` in ${stack.file}` });
    }
  }
  for (const host of stack.proxy?.hosts ?? []) {
    for (const [other, hosts] of context.otherStacksHosts) {
      if (other !== stack.name && hosts.includes(host)) {
        throw new UserError(`the host ${host} is already served by the stack "${other}"`, {
          hint: `a host has one owner: remove it from \`proxy.hosts\` of one of the two stacks (\`berth -s ${other} down\` frees it)`,
        });
      }
    }
  }
}
