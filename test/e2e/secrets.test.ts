import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berth, BERTH_BIN, berthJson, berthOk, FIXTURES, makeHome, tempDir, waitFor, type CommandResult } from "../helpers/berth-cli.js";
import { getFrom, waitForHealthy } from "../helpers/backing.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const SECRET_APP = join(FIXTURES, "apps", "secret-app.mjs");
const HOST = "secrets.test";
const GIVEN_KEY = "django-insecure-given-key-4f9c2a7e1b";
const SMTP_PASSWORD = "smtp-Pa55word-from-dotenv-83412";
const NEW_SMTP_PASSWORD = "smtp-new-password-given-on-stdin-5521";

const digest = (value: string) => createHash("sha256").update(value).digest("hex");

function stackFile(): string {
  return `name: secrets
env_file: .env
secrets: [SECRET_KEY, SMTP_PASSWORD]
build: echo "build sees $SMTP_PASSWORD and $SECRET_KEY"
release: sh -c 'echo "release sees $SECRET_KEY"; env | grep SMTP'
services:
  web:
    command: ${process.execPath} ${SECRET_APP}
    replicas: 2
    health: { http: /, interval: 500ms, timeout: 2s, retries: 2 }
proxy:
  hosts: [${HOST}]
`;
}

/** Every regular file under `dir` (but the secret store), with the path of any that holds one of `values`. */
function filesHolding(dir: string, values: string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.endsWith("/secrets.json") || statSync(path).size > 50 * 1024 ** 2) continue;
    const text = readFileSync(path).toString("latin1");
    if (values.some((value) => text.includes(value))) found.push(path);
  }
  return found;
}

test("secrets from a .env keep their values, never show in any output, file or log, and rotate without a failed request", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-secrets-");
  writeFileSync(join(cwd, "berth.yml"), stackFile());
  writeFileSync(join(cwd, ".env"), `SECRET_KEY=${GIVEN_KEY}\nSMTP_PASSWORD=${SMTP_PASSWORD}\nDEBUG=0\n`);
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 180_000 };
  const outputs: CommandResult[] = [];
  const run = async (args: string[]) => {
    const result = await berthOk(args, options);
    outputs.push(result);
    return result;
  };

  await run(["deploy"]);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const app = async () => JSON.parse((await proxyRequest({ port: httpsPort!, host: HOST, path: "/", tls: { ca } })).text) as { secretKey: string; smtpPassword: string };
  assert.deepEqual(await app(), { secretKey: digest(GIVEN_KEY), smtpPassword: digest(SMTP_PASSWORD), databasePasswordIsPg: false }, "the app sees the values the user gave");

  const listed = await berthJson<{ name: string; source: string }[]>(["secret", "ls"], options);
  assert.deepEqual(listed.map((row) => [row.name, row.source]), [["SECRET_KEY", "env_file"], ["SMTP_PASSWORD", "env_file"]]);
  await run(["secret", "ls"]);
  const env = await run(["env", "web", "--json"]);
  assert.equal(JSON.parse(env.stdout).SMTP_PASSWORD, "********");
  await run(["env"]);
  await run(["ps", "--json"]);
  const releaseLog = await run(["logs", "release", "-n", "50"]);
  assert.match(releaseLog.stdout, /release sees \*{8}/);
  assert.match(releaseLog.stdout, /SMTP_PASSWORD=\*{8}/);
  const webLog = await run(["logs", "web", "-n", "50"]);
  assert.match(webLog.stdout, /starting with SECRET_KEY=\*{8} SMTP_PASSWORD=\*{8}/);
  assert.match(outputs[0]!.stdout + outputs[0]!.stderr, /build sees \*{8} and \*{8}/, "build output is redacted");

  // A failing release task that prints the environment: the CLI's error hides the values too.
  writeFileSync(join(cwd, "berth.yml"), stackFile().replace("env | grep SMTP'", "env | grep SMTP; exit 3'"));
  const failed = await berth(["deploy"], options);
  outputs.push(failed);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /SMTP_PASSWORD=\*{8}/);
  writeFileSync(join(cwd, "berth.yml"), stackFile());

  // Rotation: a new value, every replica replaced side by side under load.
  const load = startLoad({ port: httpsPort!, host: HOST, ca, concurrency: 4 });
  await run(["secret", "rotate", "SECRET_KEY"]);
  const report = await load.stop();
  assert.equal(report.failures, 0, `failed requests during the rotation: ${report.failureSamples.join(" | ")}`);
  assert.ok(report.requests > 20, `enough load was applied (${report.requests})`);
  const rotated = (JSON.parse(readFileSync(join(home, "stacks", "secrets", "secrets.json"), "utf8")) as Record<string, string>).SECRET_KEY!;
  assert.notEqual(rotated, GIVEN_KEY);
  await waitFor(async () => (await app()).secretKey === digest(rotated), "the app serving with the rotated SECRET_KEY");
  assert.equal((await app()).smtpPassword, digest(SMTP_PASSWORD), "the other secret is untouched");
  assert.deepEqual((await berthJson<{ name: string; source: string }[]>(["secret", "ls"], options)).map((row) => row.source), ["rotated", "env_file"]);

  // `secret set` reads the value from stdin, never from the command line.
  const setResult = spawnSync(process.execPath, [BERTH_BIN, "secret", "set", "SMTP_PASSWORD"], {
    cwd,
    input: `${NEW_SMTP_PASSWORD}\n`,
    env: { ...process.env, NO_COLOR: "1", BERTH_HOME: home, ...options.env },
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(setResult.status, 0, setResult.stderr);
  outputs.push({ code: setResult.status, stdout: setResult.stdout, stderr: setResult.stderr });
  await waitFor(async () => (await app()).smtpPassword === digest(NEW_SMTP_PASSWORD), "the app serving with the SMTP password set on stdin");
  assert.deepEqual((await berthJson<{ name: string; source: string }[]>(["secret", "ls"], options)).map((row) => row.source), ["rotated", "set"]);

  await run(["logs", "-n", "200"]);
  await run(["events"]);
  const values = [GIVEN_KEY, SMTP_PASSWORD, rotated, NEW_SMTP_PASSWORD];
  for (const output of outputs) {
    for (const value of values) assert.ok(!(output.stdout + output.stderr).includes(value), `a berth command printed a secret value:\n${output.stdout}\n${output.stderr}`);
  }
  assert.deepEqual(filesHolding(home, values), [], "files of BERTH_HOME (but the 0600 store) holding a secret value");

  // Only names listed under secrets: can be set; rm forgets a stored value.
  const unknown = await berth(["secret", "rotate", "API_TOKEN"], options);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /API_TOKEN is not listed under `secrets:`/);
  await berthOk(["secret", "rm", "SMTP_PASSWORD"], options);
  const afterRm = await berthJson<{ name: string; source: string | null }[]>(["secret", "ls"], options);
  assert.deepEqual(afterRm.map((row) => row.source), ["rotated", "env_file"], "the .env value is taken again at the next read");
});

test("env: { DATABASE_PASSWORD: \"${PGPASSWORD}\" } reaches the app with the database's password", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-runtime-env-");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: runtimeenv
database: postgres
env:
  DATABASE_PASSWORD: "\${PGPASSWORD}"
services:
  web:
    command: ${process.execPath} ${SECRET_APP}
    health: { http: /, interval: 500ms }
`,
  );
  const options = { home, cwd, timeoutMs: 180_000 };
  await berthOk(["up", "-d"], options);
  await waitForHealthy(options, 2);
  const answer = JSON.parse(await getFrom(options, "web", "/", "localhost")) as { databasePasswordIsPg: boolean };
  assert.equal(answer.databasePasswordIsPg, true);
  const env = await berthJson<Record<string, string>>(["env", "web"], options);
  assert.equal(env.DATABASE_PASSWORD, "********", "berth env hides a password that came from PGPASSWORD");
});
