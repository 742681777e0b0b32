import { test } from "node:test";
import assert from "node:assert/strict";
import { deployArguments, deployCurrentSource } from "./deploy-current-source.js";
import type { ReleaseRecord } from "../release/history.js";

test("the deploy is called with the stack files, the destination and the source option it was first given", () => {
  assert.deepEqual(deployArguments({ directory: "/srv/app", files: ["/srv/app/berth.yml"], source: { kind: "path", directory: "/srv/app" } }), [
    "-f",
    "/srv/app/berth.yml",
    "deploy",
    "--path",
    "/srv/app",
  ]);
  assert.deepEqual(
    deployArguments({ directory: "/srv/app", files: ["/srv/app/berth.yml", "/srv/app/extra.yml"], destination: "staging", source: { kind: "ref", ref: "main" } }),
    ["-f", "/srv/app/berth.yml", "-f", "/srv/app/extra.yml", "-d", "staging", "deploy", "--ref", "main"],
  );
});

test("a live release that does not say where it came from is refused, with how to fix it", async () => {
  const release: ReleaseRecord = { id: "r1", source: "path /srv/app", createdAt: "", user: "u", status: "live", durationMs: 1, error: null, configPath: "berth.yml" };
  const lister = { releases: () => [release] };
  await assert.rejects(deployCurrentSource(lister, "app", () => {}), /does not say where it was deployed from/);
  await assert.rejects(deployCurrentSource({ releases: () => [] }, "app", () => {}), /no live release/);
});
