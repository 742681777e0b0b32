import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "../helpers/chromium.js";
import { berthJson, berthOk, makeHome, waitFor, type PsRow } from "../helpers/berth-cli.js";
import { createDjangoProject, DEBIAN_GUNICORN, DEBIAN_PYTHON } from "../helpers/django-project.js";
import { freePorts, proxyEnv, proxyRequest } from "../helpers/proxy-client.js";

/** Debian's Chromium (package `chromium`), driven over CDP by playwright-core. */
const HOST = "djh2.test";

const STACK = `name: djhttp2
secrets: [SECRET_KEY]
env:
  ALLOWED_HOSTS: ${HOST}
release:
  - ${DEBIAN_PYTHON} manage.py migrate --noinput
  - ${DEBIAN_PYTHON} manage.py collectstatic --noinput --clear
services:
  web:
    command: ${DEBIAN_GUNICORN} mysite.wsgi --bind 127.0.0.1:$PORT --workers 2
    health: { http: /admin/login/, host: ${HOST}, interval: 1s, start_period: 30s }
proxy:
  hosts: [${HOST}]
  static: { /static/: staticfiles }
`;

/** Chromium trusts exactly this leaf (by its public key), as it would trust berth's CA once installed. */
function leafSpkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

test("Chromium loads the Django admin through the proxy over HTTPS with HTTP/2", async (t) => {
  const home = makeHome(t);
  const cwd = createDjangoProject(t);
  writeFileSync(join(cwd, "berth.yml"), STACK);
  const [httpPort, httpsPort] = await freePorts(2);
  const env = proxyEnv(httpPort!, httpsPort!);
  await berthOk(["up", "-d"], { home, cwd, env });
  await waitFor(async () => (await berthJson<PsRow[]>(["ps"], { home, cwd, env })).every((row) => row.health === "healthy"), "gunicorn healthy", 60_000);
  const ca = readFileSync(join(home, "ca", "ca.crt"));
  await waitFor(async () => (await proxyRequest({ port: httpsPort!, host: HOST, path: "/admin/login/", tls: { ca } })).status === 200, "the admin through the proxy");

  const browser = await launchChromium(t, {
    args: [
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${leafSpkiHash(readFileSync(join(home, "certs", "djhttp2", "cert.pem"), "utf8"))}`,
    ],
  });
  const page = await browser.newPage();
  const response = await page.goto(`https://${HOST}:${httpsPort}/admin/login/`, { waitUntil: "load" });
  assert.equal(response?.status(), 200);
  assert.match(await page.title(), /Log in/);

  const protocols = await page.evaluate(() => {
    const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const styles = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter((entry) => entry.name.includes("/static/"));
    return { page: navigation.nextHopProtocol, statics: styles.map((entry) => entry.nextHopProtocol) };
  });
  assert.equal(protocols.page, "h2", "the page came over HTTP/2");
  assert.ok(protocols.statics.length > 0, "the page loaded static files");
  assert.ok(protocols.statics.every((protocol) => protocol === "h2"), `static files over HTTP/2: ${protocols.statics.join(", ")}`);
  const styled = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.ok(styled.length > 0 && !/^"?Times/.test(styled), `the admin CSS applied (${styled})`);
});
