import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { formatDiagnostic, UserError } from "../errors.js";
import { describeSettingsDifference, HOST_SETTINGS_ENV, readHostSettings } from "./host-settings.js";

function makeHome(t: TestContext, hostYml?: string): string {
  const home = mkdtempSync(join(tmpdir(), "berth-host-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  if (hostYml !== undefined) writeFileSync(join(home, "host.yml"), hostYml);
  return home;
}

function userErrorOf(action: () => unknown): UserError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected an error");
}

test("without host.yml or env the defaults apply: 8080/8443 for a normal user, one worker per core up to 4", (t) => {
  if (process.getuid?.() === 0) t.diagnostic("running as root: the default ports are 80/443");
  const settings = readHostSettings(makeHome(t), {}, 8);
  const root = process.getuid?.() === 0;
  assert.equal(settings.proxy.address, "0.0.0.0");
  assert.equal(settings.proxy.httpPort, root ? 80 : 8080);
  assert.equal(settings.proxy.httpsPort, root ? 443 : 8443);
  assert.equal(settings.proxy.workers, 4);
  assert.equal(settings.proxy.headersTimeoutMs, 10_000);
  assert.equal(settings.acmeCaFile, null);
  assert.equal(settings.source, "defaults");
  assert.equal(readHostSettings(makeHome(t), {}, 1).proxy.workers, 1);
});

test("host.yml sets the proxy and ACME settings; env variables override single keys and are named in the source", (t) => {
  const home = makeHome(t, "proxy:\n  address: 127.0.0.1\n  http_port: 8081\n  https_port: 8444\n  workers: 2\nacme:\n  ca_file: pebble.pem\n");
  const fromFile = readHostSettings(home, {}, 8);
  assert.deepEqual(
    { ...fromFile.proxy, acmeCaFile: fromFile.acmeCaFile },
    { ...fromFile.proxy, address: "127.0.0.1", httpPort: 8081, httpsPort: 8444, workers: 2, acmeCaFile: join(home, "pebble.pem") },
  );
  assert.equal(fromFile.source, join(home, "host.yml"));

  const overridden = readHostSettings(home, { BERTH_HTTPS_PORT: "9443", BERTH_PROXY_WORKERS: "3", BERTH_HTTP_PORT: "" }, 8);
  assert.equal(overridden.proxy.httpsPort, 9443);
  assert.equal(overridden.proxy.workers, 3);
  assert.equal(overridden.proxy.httpPort, 8081, "an empty variable counts as unset");
  assert.equal(overridden.source, `${join(home, "host.yml")} + env BERTH_HTTPS_PORT, BERTH_PROXY_WORKERS`);
  assert.equal(readHostSettings(home, { BERTH_ACME_CA_FILE: "/etc/ca.pem" }, 8).acmeCaFile, "/etc/ca.pem");
});

test("unknown keys and wrong values in host.yml are all reported with file:line:col", (t) => {
  const home = makeHome(t, "proxy:\n  adress: 127.0.0.1\n  http_port: eighty\n  workers: 0\nacme: { ca_file: 3 }\nlogs: {}\n");
  const error = userErrorOf(() => readHostSettings(home, {}, 2));
  const file = join(home, "host.yml");
  assert.match(error.message, /host\.yml has 5 problems/);
  const lines = (error.options.diagnostics ?? []).map(formatDiagnostic);
  assert.deepEqual(
    lines.map((line) => line.split(": ")[0]!.replace(file, "host.yml")),
    ["host.yml:2:3 proxy.adress", "host.yml:3:14 proxy.http_port", "host.yml:4:12 proxy.workers", "host.yml:5:18 acme.ca_file", "host.yml:6:1 logs"],
  );
  assert.match(lines[0]!, /unknown key `adress`\n\s+did you mean `address`\?/);
  assert.match(lines[1]!, /expected a port from 1 to 65535, got "eighty"/);
});

test("broken YAML is located, and bad env values name the variable", (t) => {
  const broken = userErrorOf(() => readHostSettings(makeHome(t, "proxy:\n\thttp_port: 1\n"), {}, 2));
  assert.match(formatDiagnostic(broken.options.diagnostics![0]!), /host\.yml:2:\d+ *: YAML/);

  const badEnv = userErrorOf(() => readHostSettings(makeHome(t), { BERTH_HTTP_PORT: "70000", BERTH_PROXY_ADDRESS: "example.org" }, 2));
  assert.match(badEnv.message, /BERTH_PROXY_ADDRESS="example\.org": expected an IP address/);
  assert.match(badEnv.message, /BERTH_HTTP_PORT="70000": expected a port/);

  const samePorts = userErrorOf(() => readHostSettings(makeHome(t), { BERTH_HTTP_PORT: "9000", BERTH_HTTPS_PORT: "9000" }, 2));
  assert.match(samePorts.message, /both 9000/);
});

test("HOST_SETTINGS_ENV lists every variable that changes the settings", (t) => {
  const home = makeHome(t);
  const base = readHostSettings(home, {}, 2);
  const values: Record<string, string> = {
    BERTH_PROXY_ADDRESS: "127.0.0.2",
    BERTH_HTTP_PORT: "18080",
    BERTH_HTTPS_PORT: "18443",
    BERTH_PROXY_WORKERS: "1",
    BERTH_ACME_CA_FILE: "/tmp/ca.pem",
  };
  assert.deepEqual([...HOST_SETTINGS_ENV].sort(), Object.keys(values).sort());
  for (const name of HOST_SETTINGS_ENV) {
    assert.notEqual(describeSettingsDifference(base, readHostSettings(home, { [name]: values[name] }, 2)), null, name);
  }
});

test("describeSettingsDifference names each changed setting, from the first to the second, and is null when equal", (t) => {
  const home = makeHome(t);
  const running = readHostSettings(home, { BERTH_HTTP_PORT: "8080", BERTH_HTTPS_PORT: "8443", BERTH_PROXY_WORKERS: "2" }, 2);
  const wanted = readHostSettings(home, { BERTH_HTTP_PORT: "8080", BERTH_HTTPS_PORT: "9443", BERTH_PROXY_WORKERS: "4" }, 2);
  assert.equal(describeSettingsDifference(running, wanted), "https port 8443 → 9443, workers 2 → 4");
  assert.equal(describeSettingsDifference(running, { ...running, source: "elsewhere" }), null, "the source alone is no difference");
});
