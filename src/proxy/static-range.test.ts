import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRange } from "./static-range.js";

describe("parseRange", () => {
  it("reads the three forms of one byte range", () => {
    assert.deepEqual(parseRange("bytes=0-9", 100), { kind: "partial", start: 0, end: 9 });
    assert.deepEqual(parseRange("bytes=90-", 100), { kind: "partial", start: 90, end: 99 });
    assert.deepEqual(parseRange("bytes=-10", 100), { kind: "partial", start: 90, end: 99 });
    assert.deepEqual(parseRange("Bytes = 5-5 ", 100), { kind: "partial", start: 5, end: 5 });
    assert.deepEqual(parseRange("bytes=50-99999999999999999999999", 100), { kind: "partial", start: 50, end: 99 });
    assert.deepEqual(parseRange("bytes=-99999999999999999999999", 100), { kind: "partial", start: 0, end: 99 });
  });

  it("reports ranges past the end as unsatisfiable", () => {
    for (const header of ["bytes=100-", "bytes=100-200", "bytes=-0", "bytes=99999999999999999999999-"]) {
      assert.deepEqual(parseRange(header, 100), { kind: "unsatisfiable" }, header);
    }
    assert.deepEqual(parseRange("bytes=0-", 0), { kind: "unsatisfiable" });
    assert.deepEqual(parseRange("bytes=-5", 0), { kind: "unsatisfiable" });
  });

  it("ignores what it does not serve as a part: no header, other units, several ranges, invalid syntax", () => {
    for (const header of [undefined, "items=0-1", "bytes=0-1,4-5", "bytes=5-1", "bytes=-", "bytes=a-b", "bytes=1-2-3", "bytes 0-1"]) {
      assert.deepEqual(parseRange(header, 100), { kind: "whole" }, String(header));
    }
  });
});
