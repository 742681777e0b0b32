import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UserError, formatDiagnostic, type Diagnostic } from "../errors.js";
import { fixtureDir } from "./fixture-dir.js";
import { loadStack } from "./load.js";

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): Diagnostic[] {
  const root = fixtureDir({ "berth.yml": yaml, ...files });
  try {
    loadStack(join(root, "berth.yml"), { env });
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    return error.options.diagnostics ?? [];
  }
  assert.fail("expected loadStack to throw");
}

const at = (diagnostic: Diagnostic) => `${diagnostic.location?.line}:${diagnostic.location?.column}`;

describe("loadStack reports every problem at once", () => {
  it("finds five different mistakes with their lines, columns and hints", () => {
    const root = fixtureDir({
      "berth.yml": [
        "services:",
        "  web:",
        "    command: gunicorn app.wsgi --bind 127.0.0.1:$PORT",
        "    replicas: two",
        "    replica: 3",
        "    restart: sometimes",
        "    depends_on: [dbb]",
        "    health: {http: /x, timeout: soon}",
        "  db:",
        "    command: ./db",
        "",
      ].join("\n"),
    });
    let error: unknown;
    try {
      loadStack(join(root, "berth.yml"), { env: {} });
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof UserError);
    assert.equal(error.message, "berth.yml has 5 problems");
    assert.ok(!String(error.options.diagnostics?.map(formatDiagnostic)).includes("    at "), "no stack trace");
    const found = (error.options.diagnostics ?? []).map((d) => [d.path, at(d), d.message, d.hint]);
    assert.deepEqual(found, [
      ["services.web.replicas", "4:15", 'expected a whole number from 0 to 64, got "two"', "write e.g. `replicas: 2`"],
      ["services.web.replica", "5:5", "unknown key `replica`", "did you mean `replicas`?"],
      [
        "services.web.restart",
        "6:14",
        'expected always, on-failure or no, got "sometimes"',
        "write `restart: always`, `restart: on-failure` or `restart: no`",
      ],
      ["services.web.depends_on.0", "7:18", 'unknown service "dbb"', "did you mean `db`?"],
      [
        "services.web.health.timeout",
        "8:33",
        'expected a duration greater than zero such as 500ms, 2s, 1m or 1h, got "soon"',
        "write e.g. `timeout: 3s`, or a number of seconds",
      ],
    ]);
  });

  it("reports semantic problems: cycles, missing command, health kinds, reserved names", () => {
    const problems = problemsOf(
      [
        "env: { PORT: 80 }",
        "services:",
        "  a: { command: x, depends_on: [b] }",
        "  b: { command: y, depends_on: [a] }",
        "  c: { replicas: 1 }",
        "  d: { command: z, health: { http: /, tcp: true } }",
        "  e: { command: z, port: false, health: { tcp: true } }",
      ].join("\n"),
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    assert.equal(byPath["env.PORT"], "`PORT` is set by berth");
    assert.equal(byPath["services.b.depends_on.0"], "dependency cycle: a → b → a");
    assert.equal(byPath["services.c.command"], "missing `command`");
    assert.equal(byPath["services.d.health.tcp"], "health has both `http` and `tcp`");
    assert.equal(byPath["services.e.port"], "a tcp health check needs a port, but `port` is false");
    assert.equal(problems.length, 5);
  });

  it("points unknown top-level keys at the key and suggests the right one", () => {
    const [problem, ...rest] = problemsOf("servces: {}\nservices: { web: { command: x } }\n");
    assert.equal(rest.length, 0);
    assert.equal(problem?.path, "servces");
    assert.equal(at(problem!), "1:1");
    assert.equal(problem?.hint, "did you mean `services`?");
  });

  it("says when there are no services, and when the file is empty", () => {
    assert.equal(problemsOf("services: {}\n")[0]?.message, "no services defined");
    assert.equal(problemsOf("name: x\n")[0]?.message, "missing `services`");
    assert.match(problemsOf("")[0]?.message ?? "", /expected a map of settings/);
  });

  it("names the engine meant by a common alias", () => {
    for (const [database, meant] of [["postgresql", "postgres"], ["{ engine: mysql }", "mariadb"]]) {
      const [problem] = problemsOf(`database: ${database}\nservices: { web: { command: x } }\n`);
      assert.match(problem?.message ?? "", /unknown database engine/);
      assert.equal(problem?.hint, `write \`${meant}\``);
    }
  });

  it("looks inside the shape a value has, and names bad map keys", () => {
    const problems = problemsOf("database: { engine: sqlite, file: 3 }\nservices:\n  Web: { command: x }\n  api: { command: y, port: 70000 }\n");
    assert.deepEqual(
      problems.map((p) => [p.path, at(p), p.message]),
      [
        ["database.file", "1:35", "expected a file path, got 3"],
        ["services.Web", "3:3", 'expected a service name (lowercase letters, digits and -, starting with a letter), got "Web"'],
        ["services.api.port", "4:28", "expected auto, true, false or a port number (1-65535), got 70000"],
      ],
    );
  });

  it("reports a missing env_file at its line", () => {
    const [problem] = problemsOf("env_file: [.env, missing.env]\nservices: { web: { command: x } }\n", {}, { ".env": "A=1\n" });
    assert.equal(problem?.path, "env_file.1");
    assert.equal(at(problem!), "1:18");
    assert.match(problem?.message ?? "", /not found/);
  });

  it("reports YAML syntax errors with their position", () => {
    const [problem] = problemsOf("services:\n  web:\n    command: x\n\treplicas: 2\n");
    assert.equal(at(problem!), "4:1");
    assert.match(problem?.message ?? "", /^YAML: /);
    assert.ok(problem?.hint);
  });

  it("tells the user to run berth init when berth.yml is missing", () => {
    const root = fixtureDir({});
    assert.throws(
      () => loadStack(join(root, "berth.yml")),
      (error: unknown) => error instanceof UserError && /berth init/.test(error.options.hint ?? ""),
    );
  });

  it("accepts a directory holding berth.yml", () => {
    const root = fixtureDir({ "berth.yml": "services: { web: { command: x } }\n" });
    assert.equal(loadStack(root, { env: {} }).file, join(root, "berth.yml"));
  });
});
