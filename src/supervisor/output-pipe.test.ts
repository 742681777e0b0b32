import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { RotatingLogFile } from "../logs/index.js";
import { closeChildEnds, createOutputPipes, OutputReaders, removeOutputPipes } from "./output-pipe.js";

const POLICY = { maxSizeBytes: 10_000_000, keep: 2, compress: false };
const DEADLINE_MS = 20_000;

function temporaryDirectory(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), "berth-output-pipe-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

async function waitForFile(path: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitForText(path: string, text: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(existsSync(path) && readFileSync(path, "utf8").includes(text))) {
    if (Date.now() > deadline) throw new Error(`"${text}" never appeared in ${path}:\n${readFileSync(path, "utf8")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("output written while no one reads waits in the FIFO for the next reader, and EOF comes when the writer is gone", async (t) => {
  const directory = temporaryDirectory(t);
  const runDir = join(directory, "run");
  const logPath = join(directory, "web.0.log");
  const log = new RotatingLogFile(logPath, POLICY);
  t.after(() => log.close());
  const output = createOutputPipes(runDir, "web.0");
  assert.equal(statSync(runDir).mode & 0o777, 0o700);
  assert.ok(statSync(output.paths.out).isFIFO());
  let readers = new OutputReaders(output.paths, log);
  // The child prints a line, waits for gate 1, prints two more, waits for gate 2, prints the last and exits.
  const gate1 = join(directory, "gate1");
  const gate2 = join(directory, "gate2");
  const written = join(directory, "written");
  const script = [
    "echo first",
    `while [ ! -e ${gate1} ]; do sleep 0.05; done`,
    "echo second; echo oops >&2",
    `touch ${written}`,
    `while [ ! -e ${gate2} ]; do sleep 0.05; done`,
    "echo third",
  ].join("; ");
  const child = spawn("/bin/sh", ["-c", script], { stdio: ["ignore", output.out, output.err] });
  closeChildEnds(output);
  await waitForText(logPath, "first");

  readers.close();
  await readers.ended;
  writeFileSync(gate1, "");
  await waitForFile(written);
  assert.doesNotMatch(readFileSync(logPath, "utf8"), /second/);

  readers = new OutputReaders(output.paths, log);
  await waitForText(logPath, "second");
  await waitForText(logPath, "oops");
  writeFileSync(gate2, "");
  assert.equal(await readers.waitForEnd(DEADLINE_MS), true, "EOF once the only writer is gone");
  assert.match(readFileSync(logPath, "utf8"), /third/);
  assert.ok(child.pid);
  removeOutputPipes(output.paths);
  assert.equal(existsSync(output.paths.out) || existsSync(output.paths.err), false);
});

test("opening readers on FIFOs that are gone throws", (t) => {
  const directory = temporaryDirectory(t);
  const log = new RotatingLogFile(join(directory, "x.log"), POLICY);
  t.after(() => log.close());
  assert.throws(() => new OutputReaders({ out: join(directory, "no.out"), err: join(directory, "no.err") }, log), /ENOENT/);
});
