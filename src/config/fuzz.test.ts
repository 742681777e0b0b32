import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UserError } from "../errors.js";
import { fixtureDir } from "./fixture-dir.js";
import { createRandom, FAMILY_NAMES, FIXTURE, generateCase, type FuzzCase } from "./fuzz-cases.js";
import { loadStack } from "./load.js";
import { cpuMilliseconds } from "../util/cpu-time.js";

// Every berth.yml, however hostile, must load or be refused with located diagnostics, quickly.
// BERTH_FUZZ_SEED reproduces a failing run; BERTH_FUZZ_FILES runs more (or fewer) files.

const SEED = Number(process.env.BERTH_FUZZ_SEED ?? 20261125);
const FILES = Number(process.env.BERTH_FUZZ_FILES ?? 2600);
/** Per file, on a loaded 2-core machine; a real berth.yml loads in milliseconds. */
const FILE_DEADLINE_MS = 2000;
/** Words of the yaml library that must never reach the user untranslated. */
const LIBRARY_WORDS = /Implicit (map )?keys?|Nested mappings|resource exhaustion attack|This should not happen|Unresolved alias|at line \d+, column/;

function createFixture(): string {
  const root = fixtureDir({
    [FIXTURE.envFile]: "APP_HOST=example.org\nWORKERS=3\n",
    [FIXTURE.bigEnvFile]: `A=${"x".repeat(1024 * 1024)}\n`,
    [FIXTURE.manyKeysEnvFile]: Array.from({ length: 20_000 }, (_, index) => `KEY_${index}=value-${index}`).join("\n"),
    [FIXTURE.nulEnvFile]: "A=1\0\nB=2\n",
    [FIXTURE.prototypeEnvFile]: "A=1\n__proto__=polluted\n",
    [FIXTURE.plainFile]: "not a directory\n",
  }, "berth-fuzz-");
  mkdirSync(join(root, FIXTURE.directory));
  execFileSync("mkfifo", [join(root, FIXTURE.fifo)]);
  symlinkSync(tmpdir(), join(root, FIXTURE.outsideLink));
  return root;
}

/** Round-robin over the families, with half of all files random mutations of valid ones. */
function* cases(): Generator<FuzzCase & { index: number }> {
  const random = createRandom(SEED);
  const hostile = FAMILY_NAMES.filter((name) => name !== "mutation");
  for (let index = 0; index < FILES; index += 1) {
    const family = index % 2 === 0 ? "mutation" : hostile[(index >> 1) % hostile.length]!;
    yield { index, ...generateCase(family, random) };
  }
}

function checkOutcome(run: () => unknown, file: string): string {
  try {
    run();
    return "loaded";
  } catch (error) {
    if (!(error instanceof UserError)) throw new Error(`not a UserError: ${(error as Error)?.stack ?? String(error)}`);
    const diagnostics = error.options.diagnostics ?? [];
    if (diagnostics.length === 0) {
      assert.ok(error.message.includes(file), `a whole-file error must name the file: ${error.message}`);
    }
    for (const diagnostic of diagnostics) {
      const { location } = diagnostic;
      const where = JSON.stringify(diagnostic).slice(0, 300);
      assert.ok(location, `diagnostic without a location: ${where}`);
      assert.ok(location.file.endsWith("berth.yml") && location.line >= 1 && location.column >= 1, `bad location: ${where}`);
      assert.ok(diagnostic.message.length > 0 && diagnostic.hint, `diagnostic without a message or hint: ${where}`);
      assert.doesNotMatch(diagnostic.message, LIBRARY_WORDS, `the yaml library's words: ${where}`);
      assert.ok(diagnostic.message.length < 1000 && diagnostic.hint.length < 1000, `message or hint too long to read: ${where}`);
    }
    return "refused";
  }
}

test(`${FILES} generated berth.yml files each load or fail with located errors within ${FILE_DEADLINE_MS} ms of CPU (seed ${SEED})`, (t) => {
  const root = createFixture();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(root, "berth.yml");
  const outcomes = { loaded: 0, refused: 0 };
  const perFamily = new Map<string, number>();
  let slowest = { ms: 0, index: -1, family: "" };
  const started = cpuMilliseconds();

  for (const fuzzCase of cases()) {
    writeFileSync(file, fuzzCase.text);
    const begin = cpuMilliseconds();
    let outcome: string;
    try {
      outcome = checkOutcome(() => loadStack(file, { env: fuzzCase.env }), file);
    } catch (error) {
      const kept = join(tmpdir(), `berth-fuzz-${SEED}-${fuzzCase.index}.yml`);
      writeFileSync(kept, fuzzCase.text);
      throw new Error(`seed ${SEED}, file ${fuzzCase.index} (${fuzzCase.family}, kept at ${kept}): ${(error as Error).message}`);
    }
    const ms = cpuMilliseconds() - begin;
    if (ms > slowest.ms) slowest = { ms, index: fuzzCase.index, family: fuzzCase.family };
    outcomes[outcome as keyof typeof outcomes] += 1;
    perFamily.set(fuzzCase.family, (perFamily.get(fuzzCase.family) ?? 0) + 1);
  }

  const total = Math.round(cpuMilliseconds() - started);
  t.diagnostic(`seed ${SEED}: ${FILES} files (${outcomes.loaded} loaded, ${outcomes.refused} refused) in ${total} ms`);
  t.diagnostic(`slowest: file ${slowest.index} (${slowest.family}) in ${Math.round(slowest.ms)} ms`);
  t.diagnostic(`families: ${[...perFamily].map(([name, count]) => `${name} ${count}`).join(", ")}`);
  assert.ok(slowest.ms < FILE_DEADLINE_MS, `seed ${SEED}: file ${slowest.index} (${slowest.family}) took ${Math.round(slowest.ms)} ms of CPU`);
  assert.ok(outcomes.loaded > 0 && outcomes.refused > 0, "the generated files include both valid and invalid ones");
  assert.equal(perFamily.size, FAMILY_NAMES.length, "every family was generated");
});
