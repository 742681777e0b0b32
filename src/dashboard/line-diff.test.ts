import { test } from "node:test";
import assert from "node:assert/strict";
import { diffLines, MAX_DIFF_LINES, withContext } from "./line-diff.js";

test("a line diff keeps common lines and marks the added and removed ones", () => {
  const diff = diffLines("name: shop\nreplicas: 2\nhealth: /\n", "name: shop\nreplicas: 3\nhealth: /\nredis: true\n")!;
  assert.deepEqual(
    diff.map((line) => `${line.kind[0]} ${line.text}`),
    ["s name: shop", "r replicas: 2", "a replicas: 3", "s health: /", "a redis: true", "s "],
  );
  assert.equal(diffLines("a\n".repeat(MAX_DIFF_LINES + 1), "b"), null);
});

test("context keeps a few lines around each change and marks what was skipped", () => {
  const before = Array.from({ length: 20 }, (_, index) => `line ${index}`).join("\n");
  const after = before.replace("line 10", "line ten");
  const shown = withContext(diffLines(before, after)!, 1);
  assert.deepEqual(shown.map((line) => (line === null ? "…" : line.text)), ["line 9", "line 10", "line ten", "line 11"]);
  const edges = withContext(diffLines(before, after.replace("line 0", "zero"))!, 1);
  assert.equal(edges[0]?.text, "line 0");
  assert.equal(edges.filter((line) => line === null).length, 1);
});
