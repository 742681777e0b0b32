import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { formatDiagnostic, UserError } from "../errors.js";
import { readHostSettings } from "./host-settings.js";

function homeWith(t: TestContext, hostYml: string): string {
  const home = mkdtempSync(join(tmpdir(), "berth-host-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  writeFileSync(join(home, "host.yml"), hostYml);
  return home;
}

test("host.yml's dashboard section: port, published host and its TLS; defaults when absent", (t) => {
  assert.deepEqual(readHostSettings(homeWith(t, "proxy: { workers: 1 }\n"), {}).dashboard, { port: null, host: null, tls: "self-signed" });
  assert.deepEqual(readHostSettings(homeWith(t, "dashboard:\n  host: ops.example.org\n  tls: acme\n  port: 0\n"), {}).dashboard, { port: 0, host: "ops.example.org", tls: "acme" });
});

test("wrong dashboard values are reported with their place", (t) => {
  const home = homeWith(t, "dashboard:\n  host: 'Ops Example'\n  tls: off\n  prot: 3\n");
  let error: unknown;
  try {
    readHostSettings(home, {});
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof UserError);
  const lines = (error.options.diagnostics ?? []).map(formatDiagnostic).join("\n");
  assert.match(lines, /dashboard\.host.*host name/);
  assert.match(lines, /dashboard\.tls.*HTTPS only/);
  assert.match(lines, /unknown key `prot`/);
});
