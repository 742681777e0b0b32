import type { Command } from "commander";
import { generateSecretValue, listSecrets, removeSecret, writeSecret, type SecretSource } from "../../config/secret-store.js";
import type { Stack } from "../../config/types.js";
import { callDaemon } from "../../daemon/client.js";
import { UserError } from "../../errors.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, loadStackFromOptions, type GlobalOptions } from "../context.js";
import { formatTable, printJson, printLine, printProgress } from "../output.js";

// Values come in on stdin only: an argument would land in the shell's history and in `ps` output.

const SOURCE_LABELS: Record<SecretSource, string> = {
  set: "berth secret set",
  environment: "environment",
  env_file: "env_file",
  env: "env:",
  generated: "generated",
  rotated: "berth secret rotate",
};

export function registerSecret(program: Command): void {
  const secret = program.command("secret").description("manage the stack's secrets: set (from stdin), ls, rm, rotate; values are never printed");

  secret
    .command("set")
    .description("store a secret's value read from stdin, e.g. printf %s \"$KEY\" | berth secret set SECRET_KEY; a running stack restarts with it, without downtime")
    .argument("<name>")
    .action(async (name: string, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadDeclaring(global, name);
      const value = await readValue(name);
      writeSecret(stackPaths(stack.name).secrets, name, value, "set");
      await applyToRunningStack(stack.name, global, `stored ${name}`);
    });

  secret
    .command("rotate")
    .description("replace a secret with a new random value; a running stack restarts with it, without downtime")
    .argument("<name>")
    .action(async (name: string, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadDeclaring(global, name);
      writeSecret(stackPaths(stack.name).secrets, name, generateSecretValue(), "rotated");
      await applyToRunningStack(stack.name, global, `rotated ${name}`);
    });

  secret
    .command("ls")
    .description("list the stack's secrets: name, where the value came from, when it changed (never the values)")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      const rows = listSecrets(stackPaths(stack.name).secrets, stack.secrets);
      if (global.json) return printJson(rows);
      if (rows.length === 0) return printLine(`${stack.name} has no secrets (list names under \`secrets:\` in berth.yml)`);
      printLine(
        formatTable(
          ["NAME", "SOURCE", "CHANGED"],
          rows.map((row) => [row.name, row.source ? SOURCE_LABELS[row.source] : "not set yet (given or generated at the next up)", row.changedAt ?? "-"]),
        ),
      );
    });

  secret
    .command("rm")
    .description("forget a secret's stored value; the next up takes it from the environment or env_file again, else generates one")
    .argument("<name>")
    .action(async (name: string, _options: unknown, command: Command) => {
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      const removed = removeSecret(stackPaths(stack.name).secrets, name);
      if (!removed) throw new UserError(`${stack.name} has no stored secret ${name}`, { hint: "`berth secret ls` lists them" });
      if (global.json) printJson({ stack: stack.name, removed: name });
      else printLine(`removed ${name} from ${stack.name}'s store; running processes keep their value until they restart`);
    });
}

async function loadDeclaring(global: GlobalOptions, name: string): Promise<Stack> {
  const stack = await loadStackFromOptions(global);
  if (!stack.secrets.includes(name)) {
    throw new UserError(`${name} is not listed under \`secrets:\` in ${stack.file}`, {
      hint: `add it: secrets: [${[...stack.secrets, name].join(", ")}]`,
    });
  }
  return stack;
}

async function readValue(name: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`value for ${name} (end with Enter, then Ctrl-D):\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // `echo value |` adds one newline that is not part of the value.
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** A running stack restarts with the new value (through the daemon's queue); a stopped one uses it at its next up. */
async function applyToRunningStack(name: string, global: GlobalOptions, done: string): Promise<void> {
  const running = await callDaemon<{ name: string }[]>({ op: "ls" }, { startIfNeeded: false }).catch(() => []);
  const up = running.some((stack) => stack.name === name);
  if (up) await callDaemon({ op: "reload-secrets", name }, { onProgress: global.json ? undefined : printProgress });
  if (global.json) printJson({ stack: name, restarted: up });
  else printLine(up ? `${done}; ${name}'s services restarted with it` : `${done}; ${name} is not up: its services get it at the next \`berth up\``);
}
