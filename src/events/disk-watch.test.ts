import assert from "node:assert/strict";
import { test } from "node:test";
import { DiskWatch } from "./disk-watch.js";

test("disk-low is recorded for every running stack when space goes low, once until it recovers", () => {
  const recorded: string[] = [];
  let low = false;
  const watch = new DiskWatch("/srv", () => ["shop", "blog"], (stack, message) => recorded.push(`${stack}: ${message}`), (path) => ({ path, freeBytes: low ? 100 * 1024 ** 2 : 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3, low }));
  watch.check();
  assert.deepEqual(recorded, []);
  low = true;
  watch.check();
  watch.check();
  assert.equal(recorded.length, 2);
  assert.match(recorded[0]!, /^shop: disk almost full .*100 MB free of 100\.0 GB/);
  low = false;
  watch.check();
  low = true;
  watch.check();
  assert.equal(recorded.length, 4);
});
