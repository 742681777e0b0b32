import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptedCodings } from "./static-accept-encoding.js";

describe("acceptedCodings", () => {
  it("orders by weight, brotli first on a tie", () => {
    assert.deepEqual(acceptedCodings("gzip, deflate, br, zstd"), ["br", "gzip"]);
    assert.deepEqual(acceptedCodings("gzip;q=1.0, br;q=0.9"), ["gzip", "br"]);
    assert.deepEqual(acceptedCodings("GZIP"), ["gzip"]);
    assert.deepEqual(acceptedCodings("x-gzip"), ["gzip"]);
  });

  it("drops codings weighted zero, or malformed weights", () => {
    assert.deepEqual(acceptedCodings("br;q=0, gzip"), ["gzip"]);
    assert.deepEqual(acceptedCodings("br;q=0.000, gzip;q=0"), []);
    assert.deepEqual(acceptedCodings("br;q=high"), []);
  });

  it("applies the wildcard to codings not listed", () => {
    assert.deepEqual(acceptedCodings("*"), ["br", "gzip"]);
    assert.deepEqual(acceptedCodings("br;q=0, *"), ["gzip"]);
    assert.deepEqual(acceptedCodings("gzip, *;q=0"), ["gzip"]);
  });

  it("accepts nothing without a header or with identity only", () => {
    assert.deepEqual(acceptedCodings(undefined), []);
    assert.deepEqual(acceptedCodings(""), []);
    assert.deepEqual(acceptedCodings("identity"), []);
  });
});
