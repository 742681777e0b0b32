import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "../../config/fixture-dir.js";
import { directoryUsage } from "../disk-usage.js";
import { renderPage } from "./layout.js";
import { renderReplicaRows } from "./replicas.js";
import { html } from "../html.js";
import type { ProcessRow } from "../../daemon/stack-manager.js";
import type { ReleaseRecord } from "../../release/history.js";
import { renderDeployControl } from "./deploy-control.js";

test("a degraded daemon is said on the page, escaped", () => {
  const page = renderPage({ title: "t", page: "stacks", csrfToken: "c", warnings: ["disk <full>"], body: html`` });
  assert.match(page, /The daemon is degraded:<\/b><ul><li>disk &#60;full&#62;<\/li>/);
  assert.doesNotMatch(renderPage({ title: "t", page: "stacks", csrfToken: "c", warnings: [], body: html`` }), /degraded/);
});

test("a replica's unreadable numbers say unknown and why; unreadable replicas say so", () => {
  const row = { service: "web", replica: 0, pid: null, status: "backoff", health: "none", restarts: 2, uptimeSeconds: null, port: null, cpuPercent: null, memoryBytes: null, lastExit: "killed by SIGKILL" } as ProcessRow;
  const rendered = renderReplicaRows([row], null).text;
  assert.match(rendered, /unknown \(not running\)/);
  assert.match(rendered, /killed by SIGKILL/);
  assert.match(renderReplicaRows(null, "shop is being restored").text, /Replicas unknown: shop is being restored/);
});

test("disk usage counts a directory's files; a missing one is empty", async () => {
  const dir = scratchDir("disk-usage-");
  writeFileSync(join(dir, "a"), Buffer.alloc(64 * 1024));
  const usage = await directoryUsage(dir);
  assert.ok(usage.known && usage.bytes >= 64 * 1024 && !usage.partial);
  assert.deepEqual(await directoryUsage(join(dir, "missing")), { known: true, bytes: 0, partial: false });
});

test("deploy the current source is offered only for a live release that says where it came from", () => {
  const live = { id: "r2", source: "main (abc)", createdAt: "", user: "u", status: "live", durationMs: 1, error: null, configPath: "berth.yml" } as const;
  const render = (releases: ReleaseRecord[]) => String(html`${renderDeployControl(releases)}`.text);
  assert.match(render([{ ...live }]), /does not say where it was deployed from/);
  assert.doesNotMatch(render([{ ...live }]), /data-action="deploy"/);
  const fromRef = render([{ ...live, origin: { directory: "/srv/<app>", files: ["/srv/<app>/berth.yml"], source: { kind: "ref", ref: "main" } } }]);
  assert.match(fromRef, /<button disabled data-action="deploy" data-source="git ref main of \/srv\/&#60;app&#62;">/);
  assert.equal(render([{ ...live, status: "previous" }]), "");
});
