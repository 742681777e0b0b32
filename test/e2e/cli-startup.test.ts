import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, makeHome, REPO_ROOT, tempDir } from "../helpers/berth-cli.js";

// The CLI's own surface: version, help, mistyped commands, `run`'s exit codes and completion.
// None of these needs the daemon; `run` needs only a berth.yml.

const COMMANDS = ["init", "up", "down", "ps", "logs", "restart", "scale", "stop", "start", "run", "env", "ls", "deploy", "rollback", "releases", "events", "ca", "backup", "backups", "restore", "doctor", "daemon", "completion"];

function stackDir(t: TestContext): string {
  const dir = tempDir(t, "berth-cli-startup-");
  writeFileSync(join(dir, "berth.yml"), "name: startup-test\nservices:\n  web:\n    command: sleep 1000\n  worker:\n    command: sleep 1000\n");
  return dir;
}

test("--version and -V print package.json's version and nothing else", async (t) => {
  const home = makeHome(t);
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  for (const flag of ["--version", "-V"]) {
    const result = await berth([flag], { home });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(result.stderr, "");
  }
});

test("--help and help list every command; bare berth prints the same help as a usage error", async (t) => {
  const home = makeHome(t);
  for (const args of [["--help"], ["help"]]) {
    const result = await berth(args, { home });
    assert.equal(result.code, 0, result.stderr);
    for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${command}\\b`, "m"), `${args.join(" ")} lists ${command}`);
    assert.match(result.stdout, /-V, --version/);
  }
  const bare = await berth([], { home });
  assert.equal(bare.code, 1);
  assert.match(bare.stderr, /^Usage: berth/);
  assert.match(bare.stderr, /^ {2}deploy\b/m);
});

test("help <command> and <command> --help show that command's options", async (t) => {
  const home = makeHome(t);
  for (const args of [["help", "logs"], ["logs", "--help"]]) {
    const result = await berth(args, { home });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Usage: berth logs/);
    assert.match(result.stdout, /--follow/);
  }
});

test("an unknown command fails with a did-you-mean, and without one when nothing is close", async (t) => {
  const home = makeHome(t);
  const typo = await berth(["deplyo"], { home });
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /unknown command 'deplyo'/);
  assert.match(typo.stderr, /Did you mean deploy\?/);
  const far = await berth(["--json", "zzzzzzzz"], { home });
  assert.equal(far.code, 1);
  assert.match(far.stderr, /unknown command 'zzzzzzzz'/);
  assert.doesNotMatch(far.stderr, /Did you mean/);
});

test("global options still work after the command, and before it with their values", async (t) => {
  const home = makeHome(t);
  const dir = stackDir(t);
  writeFileSync(join(dir, "other.yml"), "name: other-name\nservices:\n  web:\n    command: sleep 1000\n");
  const after = await berth(["env", "web", "--json", "-f", "other.yml"], { home, cwd: dir });
  assert.equal(after.code, 0, after.stderr);
  assert.equal((JSON.parse(after.stdout) as Record<string, string>).BERTH_STACK, "other-name");
  const before = await berth(["-f", "other.yml", "--json", "env", "web"], { home, cwd: dir });
  assert.equal(before.code, 0, before.stderr);
  assert.equal((JSON.parse(before.stdout) as Record<string, string>).BERTH_STACK, "other-name");
});

test("run exits as a shell would: the command's code, 127 not found, 126 not executable, 128+n on a signal", async (t) => {
  const home = makeHome(t);
  const dir = stackDir(t);
  writeFileSync(join(dir, "not-executable.sh"), "#!/bin/sh\necho never\n");
  chmodSync(join(dir, "not-executable.sh"), 0o644);

  const exited = await berth(["run", "sh", "-c", "exit 7"], { home, cwd: dir });
  assert.equal(exited.code, 7, exited.stderr);

  const notFound = await berth(["run", "no-such-program-berth-test", "--flag"], { home, cwd: dir });
  assert.equal(notFound.code, 127);
  assert.match(notFound.stderr, /command not found: no-such-program-berth-test/);

  const notExecutable = await berth(["run", "./not-executable.sh"], { home, cwd: dir });
  assert.equal(notExecutable.code, 126);
  assert.match(notExecutable.stderr, /cannot execute \.\/not-executable\.sh: permission denied/);

  const killed = await berth(["run", "sh", "-c", "kill -9 $$"], { home, cwd: dir });
  assert.equal(killed.code, 128 + 9);
  const terminated = await berth(["run", "sh", "-c", "kill -TERM $$"], { home, cwd: dir });
  assert.equal(terminated.code, 128 + 15);
});

test("completion prints bash, zsh and fish scripts that name every command and complete in bash", async (t) => {
  const home = makeHome(t);
  const dir = stackDir(t);
  for (const shell of ["bash", "zsh", "fish"]) {
    const result = await berth(["completion", shell], { home, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    for (const command of COMMANDS) assert.ok(result.stdout.includes(command), `${shell} script names ${command}`);
    assert.match(result.stdout, /--follow|-l follow/, `${shell} script has logs' options`);
  }
  const unknown = await berth(["completion", "tcsh"], { home, cwd: dir });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /bash\|zsh\|fish/);

  const script = (await berth(["completion", "bash"], { home, cwd: dir })).stdout;
  writeFileSync(join(dir, "berth.bash"), script);
  // The script calls `berth` for service names: make this checkout's CLI that berth.
  writeFileSync(join(dir, "berth"), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, "bin", "berth.js")}" "$@"\n`);
  chmodSync(join(dir, "berth"), 0o755);
  const complete = (words: string[]) => {
    const program = `source ./berth.bash; COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _berth; echo "\${COMPREPLY[*]}"`;
    const result = spawnSync("bash", ["-c", program], { cwd: dir, encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, BERTH_HOME: home } });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim().split(/\s+/).sort();
  };
  assert.deepEqual(complete(["berth", "dep"]), ["deploy"]);
  assert.deepEqual(complete(["berth", "logs", "--fo"]), ["--follow"]);
  assert.deepEqual(complete(["berth", "daemon", "st"]), ["status", "stop"]);
  assert.deepEqual(complete(["berth", "logs", ""]), ["web", "worker"]);
});
