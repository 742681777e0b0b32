import assert from "node:assert/strict";
import { test } from "node:test";
import { COMMANDS, createProgram, scanArguments, suggestCommand } from "./command-table.js";

test("each table entry loads a module that registers exactly that command, with the same description and aliases", async () => {
  for (const entry of COMMANDS) {
    const program = await createProgram();
    (await entry.load())(program);
    assert.equal(program.commands.length, 1, `${entry.name} registers one command`);
    const command = program.commands[0]!;
    assert.equal(command.name(), entry.name);
    assert.deepEqual(command.aliases(), entry.aliases ?? []);
    assert.equal(command.description(), entry.description, `${entry.name}'s description in the table`);
  }
});

test("scanArguments finds the command word after global options and their values", () => {
  assert.equal(scanArguments(["-f", "ps", "logs", "-f"]).command, "logs");
  assert.equal(scanArguments(["--file=x.yml", "-s", "pixel", "--json", "ps"]).command, "ps");
  assert.equal(scanArguments(["-fother.yml", "ps"]).command, "ps");
  assert.deepEqual(scanArguments(["help", "logs"]), { command: "help", helpTopic: "logs", version: false, help: false, unknownOption: null });
  assert.equal(scanArguments(["run", "node", "--version"]).version, false);
  assert.equal(scanArguments(["--json", "-V"]).version, true);
  assert.equal(scanArguments(["--bogus"]).unknownOption, "--bogus");
  assert.equal(scanArguments([]).command, null);
});

test("suggestCommand offers close commands and aliases, and nothing for a far word", async () => {
  assert.equal(await suggestCommand("deplyo"), "deploy");
  assert.equal(await suggestCommand("pss"), "ps");
  assert.equal(await suggestCommand("statsu"), "status");
  assert.equal(await suggestCommand("zzzzzzzz"), null);
});
