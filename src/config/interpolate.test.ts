import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UserError } from "../errors.js";
import { fixtureDir } from "./fixture-dir.js";
import { escapeInterpolation, interpolate, type InterpolationSources } from "./interpolate.js";
import { loadStack } from "./load.js";
import { cpuMilliseconds } from "../util/cpu-time.js";

const sources = (values: Record<string, string>, leftForShell: string[] = ["PORT"]): InterpolationSources => ({
  lookup: (name) => values[name],
  isLeftForShell: (name) => leftForShell.includes(name),
});

describe("interpolate", () => {
  const env = sources({ HOST: "example.org", EMPTY: "" });
  const cases: [string, string][] = [
    ["${HOST}", "example.org"],
    ["http://${HOST}:80/", "http://example.org:80/"],
    ["${MISSING:-fallback}", "fallback"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY-fallback}", ""],
    ["${MISSING-fallback}", "fallback"],
    ["${MISSING:-${HOST}}", "example.org"],
    ["${HOST:?needed}", "example.org"],
    ["cost $$5 and $$HOME", "cost $5 and $HOME"],
    ["plain $HOST and $PORT stay", "plain $HOST and $PORT stay"],
    ["--bind 127.0.0.1:${PORT}", "--bind 127.0.0.1:${PORT}"],
    ["${PORT:-8000}", "${PORT:-8000}"],
    ["trailing $", "trailing $"],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected}`, () => {
      const result = interpolate(input, env);
      assert.equal(result.value, expected);
      assert.deepEqual(result.problems, []);
    });
  }

  it("reports unset variables, required ones, and syntax berth does not understand", () => {
    assert.equal(interpolate("${NOPE}", env).problems[0]?.message, "${NOPE} is not set");
    assert.match(interpolate("${NOPE}", env).problems[0]?.hint ?? "", /\$\{NOPE:-default\}/);
    assert.equal(interpolate("${EMPTY:?set it}", env).problems[0]?.message, "EMPTY is required: set it");
    assert.deepEqual(interpolate("${EMPTY?set it}", env).problems, []);
    assert.match(interpolate("${#HOST}", env).problems[0]?.message ?? "", /cannot interpolate/);
    assert.match(interpolate("${HOST", env).problems[0]?.message ?? "", /unterminated/);
  });

  it("stops at 8 nested defaults with a clear problem, in linear time however deep the input", () => {
    assert.equal(interpolate("${A:-${B:-${C:-deep}}}", env).value, "deep");
    const depth = 100_000;
    const started = cpuMilliseconds();
    const result = interpolate(`${"${MISSING:-".repeat(depth)}x${"}".repeat(depth)}`, env);
    assert.ok(cpuMilliseconds() - started < 2000, `took ${Math.round(cpuMilliseconds() - started)} ms`);
    assert.deepEqual(result.problems.map((problem) => [problem.message, problem.index]), [["`${...}` nested more than 8 deep", 7 * 11]]);
    assert.ok(result.problems[0]!.expression.length < 100, "the expression is cut for display");
    const unterminated = interpolate("${MISSING:-".repeat(depth), env);
    assert.match(unterminated.problems[0]?.message ?? "", /^unterminated `\$\{` in ".{60}"…$/);
  });

  it("escapeInterpolation is undone by interpolate, whatever the environment", () => {
    const command = "echo $$ ${HOME} ${#ARR[@]} $PATH ${PORT}";
    const escaped = escapeInterpolation(command, (name) => name === "PORT");
    const result = interpolate(escaped, sources({ HOME: "/should/not/appear" }));
    assert.equal(result.value, command);
    assert.deepEqual(result.problems, []);
  });
});

describe("interpolation in berth.yml", () => {
  const load = (yaml: string, env: NodeJS.ProcessEnv, files: Record<string, string> = {}) =>
    loadStack(join(fixtureDir({ "berth.yml": yaml, ...files }), "berth.yml"), { env });

  it("reads the process env first, then env_file, then env:", () => {
    const stack = load(
      [
        "env_file: .env",
        "env: { A: from-env, B: from-env, C: from-env }",
        "services:",
        "  web: { command: 'run ${A} ${B} ${C}' }",
      ].join("\n"),
      { A: "from-process" },
      { ".env": "A=from-file\nB=from-file\n" },
    );
    assert.equal(stack.services[0]?.command, "run from-process from-file from-env");
    assert.deepEqual(stack.env, { A: "from-env", B: "from-env", C: "from-env" });
  });

  it("leaves runtime variables and secrets for the shell", () => {
    const stack = load(
      "secrets: [SECRET_KEY]\nservices:\n  web: { command: 'x --port ${PORT} --key ${SECRET_KEY} --db ${DATABASE_URL} ${BERTH_REPLICA} ${REDIS_URL}' }\n",
      { PORT: "1", SECRET_KEY: "leak" },
    );
    assert.equal(stack.services[0]?.command, "x --port ${PORT} --key ${SECRET_KEY} --db ${DATABASE_URL} ${BERTH_REPLICA} ${REDIS_URL}");
  });

  it("gives numbers their type after substitution", () => {
    const stack = load(
      "services:\n  web:\n    command: x\n    replicas: ${WEB_REPLICAS:-3}\n  worker: { command: y, replicas: '${WORKERS}' }\n",
      { WORKERS: "2" },
    );
    assert.deepEqual(stack.services.map((s) => s.replicas), [3, 2]);
  });

  it("keeps other quoted values and number-like spellings as strings", () => {
    const stack = load("env:\n  A: v${V}\n  B: ${V}\n  C: '${V}'\nservices: { web: { command: x } }\n", { V: "1.10" });
    assert.deepEqual(stack.env, { A: "v1.10", B: "1.10", C: "1.10" });
  });

  it("reports an unset variable at its own column", () => {
    assert.throws(
      () => load("services:\n  web: { command: 'run ${NOT_SET}' }\n", {}),
      (error: unknown) => {
        const [problem] = error instanceof UserError ? (error.options.diagnostics ?? []) : [];
        assert.equal(problem?.path, "services.web.command");
        assert.equal(`${problem?.location?.line}:${problem?.location?.column}`, "2:24");
        assert.match(problem?.hint ?? "", /env_file/);
        return true;
      },
    );
  });
});
