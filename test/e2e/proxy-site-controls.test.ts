import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { berthJson, berthOk, FIXTURES, makeHome, tempDir, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STREAM_APP = join(FIXTURES, "apps", "stream-app.mjs");

/** Every file under `directory` but the secrets store, as text. */
function filesText(directory: string): string {
  let text = "";
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat || name === "secrets.json") continue;
    if (stat.isDirectory()) text += filesText(path);
    else if (stat.isFile()) text += readFileSync(path, "latin1");
  }
  return text;
}

test("redirects (host and path), basic auth from the secret store, and berth maintenance on|off", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-controls-");
  writeFileSync(
    join(cwd, "berth.yml"),
    `name: staging
services:
  web:
    command: ${process.execPath} ${STREAM_APP}
    health: { http: /health, interval: 500ms }
proxy:
  hosts: [site.test]
  redirects:
    - { from: www.site.test, to: site.test }
    - { from: /old/, to: /new/, status: 308 }
  basic_auth: { user: team, password_secret: STAGING_PASSWORD }
`,
  );
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!) };
  await berthOk(["up", "-d"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"), "utf8");
  const password = (JSON.parse(readFileSync(join(home, "stacks", "staging", "secrets.json"), "utf8")) as Record<string, string>).STAGING_PASSWORD!;
  assert.ok(password.length >= 20, "a password was generated into the secret store");
  const authorization = `Basic ${Buffer.from(`team:${password}`).toString("base64")}`;
  const get = (path: string, headers: Record<string, string> = {}, host = "site.test") => proxyRequest({ port: httpsPort!, host, path, tls: { ca }, headers });

  const refused = await waitFor(async () => {
    const answer = await get("/");
    return answer.status === 401 ? answer : undefined;
  }, "401 without credentials");
  assert.equal(refused.headers["www-authenticate"], 'Basic realm="staging", charset="UTF-8"');
  assert.equal((await get("/", { authorization: `Basic ${Buffer.from("team:wrong").toString("base64")}` })).status, 401);
  const seen = await get("/headers", { authorization });
  assert.equal(seen.status, 200);
  assert.equal((JSON.parse(seen.text) as Record<string, string>).authorization, undefined, "the proxy's password does not reach the app");

  const www = await get("/a/b?c=1", {}, `www.site.test:${httpsPort}`);
  assert.equal(www.status, 301);
  assert.equal(www.headers.location, `https://site.test:${httpsPort}/a/b?c=1`);
  const plainWww = await proxyRequest({ port: httpPort!, host: `www.site.test:${httpPort}`, path: "/x" });
  assert.equal(plainWww.headers.location, `https://site.test:${httpsPort}/x`, "one hop from http://www to https://apex");
  const moved = await get("/old/post?id=3");
  assert.equal(moved.status, 308);
  assert.equal(moved.headers.location, "/new/post?id=3");

  await berthOk(["maintenance", "on"], options);
  const maintenance = await get("/", { authorization });
  assert.equal(maintenance.status, 503);
  assert.equal(maintenance.headers["retry-after"], "60");
  assert.match(maintenance.text, /maintenance/i);
  assert.ok((await berthJson<PsRow[]>(["ps"], options)).every((row) => row.status === "running"), "the app keeps running");
  await berthOk(["maintenance", "off"], options);
  assert.equal((await get("/", { authorization })).status, 200);

  assert.ok(!filesText(home).includes(password), "the password appears in no log or state file");
});
