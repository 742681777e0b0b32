import { test } from "node:test";
import assert from "node:assert/strict";
import { DiskWatch } from "./disk-watch.js";

test("low disk space is told to each stack once per episode, to late-comers too, again after a recovery", () => {
  const readings = [false, true, true, true, false, true];
  let reading = 0;
  let stacks = ["shop"];
  const told: string[] = [];
  const watch = new DiskWatch("/", () => stacks, (stack) => told.push(`${reading}:${stack}`), (path) => ({ path, freeBytes: 0, totalBytes: 1, low: readings[reading++]! }));
  watch.check(); // fine
  watch.check(); // low: shop told
  stacks = ["shop", "blog"];
  watch.check(); // still low: only blog is new
  watch.check(); // still low: nobody new
  watch.check(); // recovered
  watch.check(); // low again: both told again
  assert.deepEqual(told, ["2:shop", "3:blog", "6:shop", "6:blog"]);
});
