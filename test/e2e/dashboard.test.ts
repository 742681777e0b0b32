import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium } from "../helpers/chromium.js";
import { berthJson, berthOk, makeHome, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { storedSecret } from "../helpers/backing.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "../helpers/django-project.js";
import { startLoad } from "../helpers/load.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

const STACK = "dash";
const HOST = "dash.test";
export const SCREENSHOT_PATH = join(process.env.TMPDIR ?? tmpdir(), "berth-dashboard-stack.png");

/** A Django project on Debian's gunicorn and berth's PostgreSQL, as deploy-django.test.ts deploys it; the access log goes to the replica's log. */
function stackFile(version: string): string {
  return `name: ${STACK}
database: { engine: postgres }
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: ${HOST}
  APP_VERSION: ${version}
# Prints secrets on purpose: the dashboard must show them as ********.
build:
  - echo building with SECRET_KEY=$SECRET_KEY DATABASE_URL=$DATABASE_URL
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2 --graceful-timeout 20 --access-logfile -
    replicas: 2
    health: { http: /admin/login/, host: ${HOST}, interval: 500ms, timeout: 2s, retries: 2, start_period: 20s }
    stop_grace: 20s
proxy:
  hosts: [${HOST}]
`;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to the dashboard; event streams are read for a moment only (their status is what counts). */
function dashboardRequest(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: { host: `127.0.0.1:${port}`, ...options.headers }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      res.on("end", done);
      if (String(res.headers["content-type"]).startsWith("text/event-stream")) setTimeout(() => (res.destroy(), done()), 1_500);
    });
    req.setTimeout(15_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(options.body);
  });
}

async function daemonPid(options: { home: string }): Promise<number> {
  return (await berthJson<{ pid: number }>(["daemon", "status"], options)).pid;
}

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match![1]) * 1024;
}

async function startStack(t: TestContext) {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  const [httpPort, httpsPort] = await freePorts(2);
  const options = { home, cwd, env: proxyEnv(httpPort!, httpsPort!), timeoutMs: 240_000 };
  // Two releases, so that the UI can roll back; migrate fills the database "back up now" backs up.
  writeFileSync(join(cwd, "berth.yml"), stackFile("v1"));
  await berthOk(["deploy"], options);
  writeFileSync(join(cwd, "berth.yml"), stackFile("v2"));
  await berthOk(["deploy"], options);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const get = (path: string) => proxyRequest({ port: httpsPort!, host: HOST, path, tls: { ca }, timeoutMs: 30_000 });
  await waitFor(async () => (await get("/version/")).text === "hello from v2", "v2 serving", 60_000);
  const secrets = ["SECRET_KEY", "BERTH_POSTGRES_PASSWORD"].map((name) => storedSecret(home, STACK, name));
  for (const secret of secrets) assert.ok(secret.length >= 16, "the stack's secrets were generated");
  return { home, cwd, options, ca, get, httpsPort: httpsPort!, secrets };
}

async function openDashboard(options: { home: string; cwd: string }): Promise<{ url: string; loginUrl: string; port: number }> {
  const access = await berthJson<{ url: string; loginUrl: string }>(["dashboard", "--port", "0"], options);
  return { ...access, port: Number(new URL(access.url).port) };
}

// Bounds, so that a wedged browser fails the test with its step instead of hanging the suite.
const BROWSER_TEST_TIMEOUT_MS = 480_000;

test("the dashboard over a Django stack: login, live replicas, logs, rollback and deploy under load; nothing without a session", { timeout: 2 * BROWSER_TEST_TIMEOUT_MS }, async (t) => {
  const stack = await startStack(t);
  const pid = await daemonPid(stack.options);
  const rssBefore = rssOf(pid);
  const { url, loginUrl, port } = await openDashboard(stack.options);
  const rssIdle = rssOf(pid);
  // The dashboard is loaded on first use and must stay small while nobody watches (about 3–4 MiB measured).
  assert.ok(rssIdle - rssBefore < 16 * 1048576, `the idle dashboard added ${rssIdle - rssBefore} bytes to the daemon`);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, "served on loopback");
  const seen: string[] = [];

  await t.test("without a session every page redirects to login and every API call and action answers 401", async () => {
    for (const path of ["/", `/stacks/${STACK}`, `/stacks/${STACK}/logs`, `/stacks/${STACK}/releases`, `/stacks/${STACK}/events`]) {
      const answer = await dashboardRequest(port, path);
      assert.equal(answer.status, 302, path);
      assert.equal(answer.headers.location, "/login", path);
    }
    for (const path of ["/api/stacks", `/api/stacks/${STACK}/processes`, `/api/stacks/${STACK}/releases`, `/api/stacks/${STACK}/events`, `/api/stacks/${STACK}/live`, `/api/stacks/${STACK}/logs/stream`, "/api/actions/x"]) {
      assert.equal((await dashboardRequest(port, path)).status, 401, path);
    }
    for (const path of [`/api/stacks/${STACK}/actions`, "/logout"]) {
      const answer = await dashboardRequest(port, path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ kind: "backup" }) });
      assert.equal(answer.status, 401, path);
    }
    assert.equal((await dashboardRequest(port, "/", { headers: { host: "evil.example" } })).status, 421, "another Host name is refused (DNS rebinding)");
    assert.equal((await dashboardRequest(port, "/login?token=guessed")).status, 401);
  });

  await t.test("a login token works once; a cross-site or token-less POST is refused", async () => {
    const { loginUrl: fresh } = await openDashboard(stack.options);
    const path = new URL(fresh).pathname + new URL(fresh).search;
    const first = await dashboardRequest(port, path);
    assert.equal(first.status, 303);
    const cookie = String(first.headers["set-cookie"]);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = cookie.split(";")[0]!;
    assert.equal((await dashboardRequest(port, path)).status, 401, "the token cannot be used twice");
    const page = await dashboardRequest(port, `/stacks/${STACK}`, { headers: { cookie: session } });
    assert.equal(page.status, 200);
    seen.push(page.body);
    const csrf = /data-csrf="([^"]+)"/.exec(page.body)![1]!;
    const post = (headers: Record<string, string>) =>
      dashboardRequest(port, `/api/stacks/${STACK}/actions`, { method: "POST", headers: { cookie: session, "content-type": "application/json", ...headers }, body: JSON.stringify({ kind: "backup" }) });
    assert.equal((await post({ origin: "http://evil.example" })).status, 403, "cross-site POST without the token");
    assert.equal((await post({ origin: "http://evil.example", "x-berth-csrf": csrf })).status, 403, "cross-site POST with the token");
    assert.equal((await post({ "sec-fetch-site": "cross-site", "x-berth-csrf": csrf })).status, 403, "Sec-Fetch-Site: cross-site");
    assert.equal((await post({})).status, 403, "no CSRF token");
    assert.equal((await post({ "x-berth-csrf": "wrong" })).status, 403, "a wrong CSRF token");
    for (const path of ["/api/stacks", `/api/stacks/${STACK}/processes`, `/api/stacks/${STACK}/releases`, `/api/stacks/${STACK}/events`, `/api/stacks/${STACK}/logs/stream`, `/stacks/${STACK}/releases`, `/stacks/${STACK}/events`, `/stacks/${STACK}/logs`]) {
      const answer = await dashboardRequest(port, path, { headers: { cookie: session } });
      assert.equal(answer.status, 200, path);
      seen.push(answer.body);
    }
  });

  await t.test("in Chromium: replicas live, a killed replica restarts without a reload, logs stream, a rollback and a deploy of the current source switch with 0 failed requests", { timeout: BROWSER_TEST_TIMEOUT_MS }, async (t) => {
    const browser = await launchChromium(t, { viewport: { width: 1280, height: 800 } });
    const page = await browser.newPage();
    page.setDefaultTimeout(60_000);
    page.on("response", (response) => void response.text().then((text) => seen.push(text), () => {}));

    await page.goto(loginUrl);
    assert.equal(new URL(page.url()).pathname, "/", "logged in and sent to the stacks page");
    await page.locator(`tr[data-stack="${STACK}"]`).waitFor();
    assert.match(await page.locator(`tr[data-stack="${STACK}"]`).innerText(), /3\/3 ready/);
    assert.match(await page.locator(`tr[data-stack="${STACK}"] td.disk`).innerText(), /data: \d/);
    assert.match(await page.locator(`tr[data-stack="${STACK}"] td.cert`).innerText(), /\d+ days left\s+\d{4}-\d{2}-\d{2}, self-signed/);
    await page.screenshot({ path: SCREENSHOT_PATH.replace("stack.png", "stacks.png") });

    await page.click(`a[href="/stacks/${STACK}"]`);
    const state = (replica: string) => page.locator(`tr[data-replica="${replica}"] td.state`);
    for (const replica of ["web.0", "web.1"]) await waitForText(page, state(replica), "running");
    await page.locator('tr[data-replica^="postgres"] td.state', { hasText: "running" }).waitFor();
    await page.waitForFunction(() => document.getElementById("live-status")?.textContent?.startsWith("live"));

    // Kill -9 a replica: the open page shows it leave "running", then come back, with no reload.
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
      const states: string[] = [];
      (window as unknown as { webStates: string[] }).webStates = states;
      new MutationObserver(() => {
        const text = document.querySelector('tr[data-replica="web.0"] td.state')?.textContent ?? "";
        if (states[states.length - 1] !== text) states.push(text);
      }).observe(document.getElementById("replica-rows")!, { childList: true, subtree: true, characterData: true });
    });
    const web0 = (await berthJson<PsRow[]>(["ps"], stack.options)).find((row) => row.service === "web" && row.replica === 0)!;
    assert.match(await page.locator('tr[data-replica="web.0"]').innerText(), new RegExp(`\\b${web0.pid} :${web0.port}\\b`), "the page shows the replica berth ps shows (gunicorn's master)");
    process.kill(web0.pid!, "SIGKILL");
    await page.waitForFunction(() => {
      const states = (window as unknown as { webStates: string[] }).webStates;
      const left = states.findIndex((state) => state !== "running");
      return left !== -1 && states.slice(left).includes("running");
    });
    await page.locator('tr[data-replica="web.0"] td', { hasText: /^1$/ }).first().waitFor();
    await page.locator('#timeline li[data-kind="crash"]').first().waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, "the page was not reloaded");

    // A line the app prints after the log page opened shows up in it.
    await page.click('nav.tabs a[href$="/logs"]');
    await page.waitForFunction(() => document.getElementById("log-status")?.textContent === "following");
    // gunicorn's access line for a request made now, through berth's proxy.
    const printed = `printed-after-the-page-opened-${Date.now()}`;
    assert.equal((await stack.get(`/version/?${printed}`)).status, 200);
    await page.locator("#log-lines .line", { hasText: `GET /version/?${printed}` }).waitFor();
    await page.fill("#log-filter", "no line has this text");
    assert.equal(await page.locator("#log-lines .line:not(.hidden)").count(), 0, "the filter hides lines that do not match");

    // Back up now, then verify that backup: each result is what the daemon reported.
    await page.click('nav.tabs a[href$="/backups"]');
    await page.click('button[data-action="backup"]');
    await page.click("#confirm-ok");
    await actionSucceeded(page);
    const backups = await berthJson<{ name: string }[]>(["backups"], stack.options);
    assert.equal(backups.length, 1);
    assert.match(await page.locator("#action-progress").innerText(), new RegExp(`backed up: ${backups[0]!.name}`));
    await page.reload();
    await page.click(`button[data-action="verify-backup"][data-backup="${backups[0]!.name}"]`);
    await page.click("#confirm-ok");
    await actionSucceeded(page);
    assert.match(await page.locator("#action-progress").innerText(), /SHA-256 matches/);

    // A rollback chosen in the UI, under load through berth's proxy.
    const releases = await berthJson<{ id: string; status: string }[]>(["releases"], stack.options);
    const previous = releases.find((release) => release.status === "previous")!;
    await page.click('nav.tabs a[href$="/releases"]');
    // What changed in the live release: its berth.yml against the one before.
    const live = releases.find((release) => release.status === "live")!;
    await page.click(`tr[data-release="${live.id}"] a.changes`);
    const diff = await page.locator("pre.diff").innerText();
    assert.match(diff, /- +APP_VERSION: v1/);
    assert.match(diff, /\+ +APP_VERSION: v2/);
    await page.goBack();
    const load = startLoad({ port: stack.httpsPort, host: HOST, ca: stack.ca, path: "/version/", concurrency: 3 });
    await page.click(`button[data-release="${previous.id}"]`);
    await page.click("#confirm-ok");
    await actionSucceeded(page);
    await waitFor(async () => (await stack.get("/version/")).text === "hello from v1", "v1 serving after the rollback", 10_000);
    const report = await load.stop();
    assert.equal(report.failures, 0, `failed requests during the rollback: ${report.failureSamples.join(" | ")}`);
    assert.ok((report.bodies.get("hello from v1") ?? 0) > 0, "the load saw v1 after the switch");
    const after = await berthJson<{ id: string; status: string }[]>(["releases"], stack.options);
    assert.equal(after.find((release) => release.id === previous.id)?.status, "live");
    await page.goto(`${url}stacks/${STACK}/events`);
    await page.locator('#timeline li[data-kind="rollback"]').first().waitFor();

    // Deploy the current source: the directory the live release (v1) came from, now holding v3.
    writeFileSync(join(stack.cwd, "berth.yml"), stackFile("v3"));
    await page.goto(`${url}stacks/${STACK}/releases`);
    const deployLoad = startLoad({ port: stack.httpsPort, host: HOST, ca: stack.ca, path: "/version/", concurrency: 3 });
    await page.click('button[data-action="deploy"]');
    assert.match(await page.locator("#confirm-text").innerText(), new RegExp(`Deploy ${stack.cwd}`));
    await page.click("#confirm-ok");
    await actionSucceeded(page, 300_000);
    await waitFor(async () => (await stack.get("/version/")).text === "hello from v3", "v3 serving after the deploy from the dashboard", 10_000);
    const deployReport = await deployLoad.stop();
    assert.equal(deployReport.failures, 0, `failed requests during the deploy: ${deployReport.failureSamples.join(" | ")}`);
    const deployed = (await berthJson<{ id: string; status: string; source: string }[]>(["releases"], stack.options)).find((release) => release.status === "live")!;
    assert.ok(![...releases, ...after].some((release) => release.id === deployed.id), "a new release is live");
    assert.equal(deployed.source, `path ${stack.cwd}`);
    const deployProgress = await page.locator("#action-progress").innerText();
    seen.push(deployProgress);
    assert.match(deployProgress, /\$ berth -f .*berth\.yml deploy --path /, "the CLI call is shown");
    assert.match(deployProgress, /building with SECRET_KEY=\*{8} DATABASE_URL=postgres:\/\/\w+:\*{8}@/, "the build's output streamed, its secrets redacted");
    assert.match(deployProgress, new RegExp(`exited with status 0; release ${deployed.id} is live`), "the CLI's exit status and the release it made");

    // A deploy whose build fails: the CLI's exit status is the result, and v3 keeps serving.
    writeFileSync(join(stack.cwd, "berth.yml"), stackFile("v4").replace("build:\n", "build:\n  - echo the build breaks; exit 3\n"));
    // A fresh page: the panel must not still hold the last action's state when this one is awaited.
    await page.reload();
    await page.click('button[data-action="deploy"]');
    await page.click("#confirm-ok");
    const failedPanel = page.locator("#action-progress[data-state]");
    await failedPanel.waitFor({ timeout: 120_000 });
    const failedText = await failedPanel.innerText();
    seen.push(failedText);
    assert.equal(await failedPanel.getAttribute("data-state"), "failed", failedText);
    assert.match(failedText, /the build breaks/);
    assert.match(failedText, /berth deploy exited with status \d+; no release was recorded/);
    assert.equal((await stack.get("/version/")).text, "hello from v3", "the live release kept serving");

    // The proxy's figures from the access log, and the page a reviewer looks at.
    await page.goto(`${url}stacks/${STACK}`);
    assert.ok(Number(await page.locator("#traffic-rps").innerText()) > 0, "requests/s from the access log");
    for (const replica of ["web.0", "web.1"]) await waitForText(page, state(replica), "running");
    await page.screenshot({ path: SCREENSHOT_PATH });
    t.diagnostic(`screenshot of the stack page: ${SCREENSHOT_PATH}`);
  });

  await t.test("no secret value appears in any page or API answer", () => {
    assert.ok(seen.length > 15, `answers were collected (${seen.length})`);
    for (const body of seen) for (const secret of stack.secrets) assert.ok(!body.includes(secret), "a secret value reached the browser");
  });

  const rssAfter = rssOf(pid);
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  t.diagnostic(`daemon RSS: ${mib(rssBefore)} before the dashboard, ${mib(rssIdle)} with it started and idle (+${mib(rssIdle - rssBefore)}), ${mib(rssAfter)} after the browser session`);
});

/** Waits for the action panel's final state, then requires it to be a success (showing what the daemon said if not). */
async function actionSucceeded(page: Page, timeout = 120_000): Promise<void> {
  const panel = page.locator("#action-progress[data-state]");
  await panel.waitFor({ timeout });
  assert.equal(await panel.getAttribute("data-state"), "succeeded", await panel.innerText());
}

async function waitForText(page: Page, locator: ReturnType<Page["locator"]>, text: string): Promise<void> {
  await waitFor(async () => (await locator.innerText()) === text, `${text} on the page`, 60_000);
  void page;
}

test("published on a host name through berth's proxy: HTTPS only, Secure cookie, login attempts rate-limited", { timeout: BROWSER_TEST_TIMEOUT_MS }, async (t) => {
  const home = makeHome(t);
  const [httpPort, httpsPort] = await freePorts(2);
  writeFileSync(join(home, "host.yml"), "dashboard:\n  host: ops.test\n  port: 0\n");
  const options = { home, env: proxyEnv(httpPort!, httpsPort!) };
  const access = await berthJson<{ url: string; publishedUrl: string; publishedLoginUrl: string }>(["dashboard"], options);
  assert.equal(access.publishedUrl, `https://ops.test:${httpsPort}/`);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  const viaProxy = (path: string, headers: Record<string, string> = {}) => proxyRequest({ port: httpsPort!, host: "ops.test", path, tls: { ca }, headers });

  assert.equal((await viaProxy("/login")).status, 200);
  const plain = await proxyRequest({ port: httpPort!, host: "ops.test", path: "/login" });
  assert.ok([301, 308].includes(plain.status), `plain HTTP is redirected (${plain.status})`);
  assert.match(String(plain.headers.location), /^https:\/\/ops\.test/);
  const loopbackPort = Number(new URL(access.url).port);
  assert.equal((await dashboardRequest(loopbackPort, "/login", { headers: { host: "ops.test" } })).status, 403, "the published name is not served without the proxy's HTTPS");

  const token = new URL(access.publishedLoginUrl).searchParams.get("token")!;
  const login = await viaProxy(`/login?token=${token}`);
  assert.equal(login.status, 303);
  const cookie = String(login.headers["set-cookie"]);
  assert.match(cookie, /; Secure/);
  assert.match(cookie, /HttpOnly/);
  const home200 = await viaProxy("/", { cookie: cookie.split(";")[0]! });
  assert.equal(home200.status, 200);
  assert.match(home200.text, /No stack is up on this host/);

  const statuses: number[] = [];
  for (let attempt = 0; attempt < 11; attempt++) statuses.push((await viaProxy("/login?token=guess")).status);
  assert.deepEqual(statuses.slice(0, 9), Array(9).fill(401), "wrong tokens are refused");
  assert.equal(statuses[10], 429, `login attempts are rate-limited: ${statuses.join(",")}`);
});
