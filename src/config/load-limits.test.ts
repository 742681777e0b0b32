import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UserError, type Diagnostic } from "../errors.js";
import { startOrder } from "./dependency-order.js";
import { fixtureDir } from "./fixture-dir.js";
import { loadStack } from "./load.js";
import type { Service } from "./types.js";
import { cpuMilliseconds } from "../util/cpu-time.js";

const SERVICES = "services: { web: { command: ./run } }\n";

function problemsOf(yaml: string, files: Record<string, string> = {}, prepare?: (root: string) => void): Diagnostic[] {
  const root = fixtureDir({ "berth.yml": yaml, ...files });
  prepare?.(root);
  try {
    loadStack(join(root, "berth.yml"), { env: {} });
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${(error as Error)?.stack ?? String(error)}`);
    return error.options.diagnostics ?? [];
  }
  assert.fail("expected loadStack to throw");
}

const summary = (problems: Diagnostic[]) => problems.map((p) => `${p.location?.line}:${p.location?.column} ${p.path}: ${p.message}`);

describe("berth.yml limits", () => {
  it("refuses deep nesting at the first level too deep", () => {
    const problems = problemsOf(`env: ${"[".repeat(40)}${"]".repeat(40)}\n${SERVICES}`);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /nested more than 32 levels deep/);
    assert.equal(problems[0]!.location?.line, 1);
  });

  it("stops at the first bracket too deep without building a tree, however many follow", () => {
    const started = cpuMilliseconds();
    const problems = problemsOf(`${SERVICES}release: ${"[".repeat(500_000)}\n`);
    assert.ok(cpuMilliseconds() - started < 2000, `took ${Math.round(cpuMilliseconds() - started)} ms`);
    assert.deepEqual(summary(problems), ["2:42 : nested more than 32 levels deep"]);
  });

  it("turns the yaml library's own stack exhaustion (deep indentation) into berth's words", () => {
    const lines = Array.from({ length: 1400 }, (_, index) => `${" ".repeat(index)}k${index}:`);
    const [problem] = problemsOf(`${SERVICES}${lines.join("\n")} v\n`);
    assert.equal(problem?.message, "YAML: berth.yml nests too deeply to be read");
    assert.ok(problem?.location);
  });

  it("counts aliases as the values they expand to (billion laughs) and refuses self-reference", () => {
    const levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 7; level += 1) levels.push(`a${level}: &a${level} [${Array(10).fill(`*a${level - 1}`).join(", ")}]`);
    const [bomb] = problemsOf(`x:\n${levels.map((line) => `  ${line}`).join("\n")}\n${SERVICES}`);
    assert.match(bomb!.message, /more than 200000 values once its aliases are expanded/);
    assert.ok((bomb?.location?.line ?? 0) > 1);
    const [loop] = problemsOf("services:\n  web: &web { command: x, depends_on: [*web] }\n");
    assert.equal(summary([loop!])[0], "2:40 services.web.depends_on.0: alias *web refers to a value that contains it");
  });

  it("accepts a hundred uses of one alias", () => {
    const root = fixtureDir({ "berth.yml": `env: { A: &v x }\nsecrets: [${Array(150).fill("*v").join(", ")}]\n${SERVICES}`.replace("*v", "S") });
    assert.throws(() => loadStack(join(root, "berth.yml"), { env: {} }), /problem/, "x is not an UPPER_CASE secret: validated, not a crash");
  });

  it("refuses prototype keys, duplicate keys and NUL bytes, each at its place", () => {
    const problems = problemsOf(
      [
        "env:",
        "  __proto__: x",
        '  "A\\0": v',
        "  B: \"v\\0\"",
        "services:",
        "  web: { command: ./run }",
        "  web: { command: ./other }",
        "  constructor: { command: x }",
      ].join("\n"),
    );
    assert.deepEqual(summary(problems), [
      "2:3 env.__proto__: `__proto__` cannot be used as a key",
      "3:3 env.A\\u0000: this key contains a NUL byte (\\0)",
      "4:6 env.B: this value contains a NUL byte (\\0)",
      '7:3 services.web: "web" is set twice in this map',
      "8:3 services.constructor: `constructor` cannot be used as a key",
    ]);
  });

  it("checks cwd, replicas, backup schedules and static roots", () => {
    const problems = problemsOf(
      [
        "services:",
        "  web: { command: ./run, cwd: missing, replicas: 100000000 }",
        "  job: { command: ./job, cwd: file.txt, replicas: 64 }",
        "  api: { command: ./api, cwd: app }",
        'backup: { schedule: "* * * * * *" }',
        "proxy:",
        "  hosts: [localhost]",
        "  static:",
        "    /a/: /",
        "    /b/: /srv/media",
        "    /c/: { dir: /srv/media, allow_outside: true }",
        "    /d/: link/inside",
        "    /e/: .",
        "    /f/: public",
      ].join("\n"),
      { "file.txt": "", "app/x": "" },
      (root) => {
        mkdirSync(join(root, "link"));
        symlinkSync(tmpdir(), join(root, "link", "inside"));
      },
    );
    assert.deepEqual(
      problems.map((p) => `${p.location?.line}:${p.location?.column} ${p.path}`),
      [
        "2:31 services.web.cwd",
        "2:50 services.web.replicas",
        "3:31 services.job.cwd",
        "5:21 backup.schedule",
        "9:10 proxy.static./a/",
        "10:10 proxy.static./b/",
        "12:10 proxy.static./d/",
        "13:10 proxy.static./e/",
      ],
    );
    const messages = problems.map((p) => p.message);
    assert.match(messages[0]!, /directory "missing" does not exist/);
    assert.match(messages[1]!, /at most 64/);
    assert.match(messages[2]!, /"file.txt" is not a directory/);
    assert.match(messages[3]!, /every 1 second are too frequent \(at least 15 minutes apart\)/);
    assert.match(messages[4]!, /filesystem root/);
    assert.match(problems[5]!.hint ?? "", /allow_outside: true/);
    assert.match(messages[6]!, /symbolic link/);
    assert.match(messages[7]!, /publish berth.yml and .env/);
  });

  it("lets BERTH_MIN_BACKUP_INTERVAL lower the backup minimum", () => {
    const root = fixtureDir({ "berth.yml": `backup: { schedule: "* * * * * *" }\n${SERVICES}` });
    const stack = loadStack(join(root, "berth.yml"), { env: { BERTH_MIN_BACKUP_INTERVAL: "1s" } });
    assert.equal(stack.backup.schedule, "* * * * * *");
    assert.throws(() => loadStack(join(root, "berth.yml"), { env: { BERTH_MIN_BACKUP_INTERVAL: "soon" } }), /problem/);
  });

  it("accepts a quarter-hourly backup and a static directory outside the stack when allowed", () => {
    const root = fixtureDir({
      "berth.yml": `backup: { schedule: "*/15 * * * *" }\n${SERVICES}proxy: { hosts: [localhost], static: { /m/: { dir: /srv/media, allow_outside: true }, /s/: public } }\n`,
    });
    const stack = loadStack(join(root, "berth.yml"), { env: {} });
    assert.deepEqual(stack.proxy?.static, [
      { prefix: "/m/", directory: "/srv/media" },
      { prefix: "/s/", directory: join(stack.root, "public") },
    ]);
    assert.equal(stack.backup.schedule, "*/15 * * * *");
  });

  it("refuses env files that are not small regular files, without blocking on a FIFO", () => {
    const problems = problemsOf(
      'env_file: [/dev/zero, pipe, dir, big.env, proto.env, nul.env]\nservices: { web: { command: ./run } }\n',
      { "big.env": `A=${"x".repeat(1024 * 1024)}\n`, "proto.env": "A=1\nexport __proto__=x\n", "nul.env": "A=\0\n", "dir/x": "" },
      (root) => execFileSync("mkfifo", [join(root, "pipe")]),
    );
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}`),
      [
        'env_file.0: env file "/dev/zero" is a device, not a regular file',
        'env_file.1: env file "pipe" is a named pipe (FIFO), not a regular file',
        'env_file.2: env file "dir" is a directory, not a regular file',
        'env_file.3: env file "big.env" is larger than 1024 KiB (1048579 bytes or more)',
        'env_file.4: env file "proto.env" sets `__proto__`',
        'env_file.5: env file "nul.env" contains a NUL byte',
      ],
    );
  });

  it("refuses a berth.yml that is a FIFO or larger than 1 MiB, naming the file", () => {
    const root = fixtureDir({ "big/berth.yml": `# ${"x".repeat(1024 * 1024)}\n` });
    execFileSync("mkfifo", [join(root, "berth.yml")]);
    assert.throws(() => loadStack(join(root, "berth.yml")), (error: unknown) => error instanceof UserError && /berth\.yml is a named pipe/.test(error.message));
    assert.throws(() => loadStack(join(root, "big")), (error: unknown) => error instanceof UserError && /big\/berth\.yml is larger than 1024 KiB/.test(error.message));
  });

  it("reads 20,000 env keys and a chain of 5,000 dependent services without a quadratic step", () => {
    const keys = Array.from({ length: 20_000 }, (_, index) => `  K${index}: v`).join("\n");
    const root = fixtureDir({ "berth.yml": `env:\n${keys}\n${SERVICES}` });
    const started = cpuMilliseconds();
    assert.equal(Object.keys(loadStack(join(root, "berth.yml"), { env: {} }).env).length, 20_000);
    // Quadratic took 7.6 s of CPU; linear takes well under a second.
    assert.ok(cpuMilliseconds() - started < 3000, `took ${Math.round(cpuMilliseconds() - started)} ms`);

    const chain = Array.from({ length: 5000 }, (_, index) => ({ name: `s${index}`, dependsOn: index < 4999 ? [`s${index + 1}`] : [] }));
    assert.equal(startOrder(chain as unknown as Service[])[0]?.name, "s4999");
  });

  it("lists at most 100 problems, then how many more", () => {
    const problems = problemsOf(`services:\n${Array.from({ length: 150 }, (_, index) => `  s${index}: { command: x, replicas: -1 }`).join("\n")}\n`);
    assert.equal(problems.length, 101);
    assert.match(problems[100]!.message, /and 50 more problems/);
    assert.ok(problems[100]!.location);
  });
});
