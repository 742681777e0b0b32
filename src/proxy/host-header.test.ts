import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { findHostHeaderProblem, isValidHost } from "./host-header.js";

describe("isValidHost", () => {
  for (const host of ["app.test", "APP.Test", "app.test:8443", "localhost", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:443", "[2001:db8::1]", "xn--bcher-kva.example", "a_b.example"]) {
    it(`accepts ${host}`, () => assert.equal(isValidHost(host), true));
  }
  for (const host of [
    "",
    ":80",
    "app.test:@evil.example",
    "user@app.test",
    "user:pass@app.test",
    "app.test evil.example",
    "app.test:",
    "app.test:80:81",
    "app.test:65536",
    "app.test:123456",
    "app.test:8x",
    "app.test/path",
    "app.test?x",
    "app.test#x",
    "app%2etest",
    "app.test,evil.example",
    "[::1",
    "[::1]x",
    "[not-ipv6]",
    "::1",
    "1.2.3.999",
    "a".repeat(254),
    "app.test\t",
  ]) {
    it(`refuses ${JSON.stringify(host)}`, () => assert.equal(isValidHost(host), false));
  }
});

describe("findHostHeaderProblem", () => {
  it("accepts one valid Host and a request without Host", () => {
    assert.equal(findHostHeaderProblem(["Host", "app.test", "Accept", "*/*"]), null);
    assert.equal(findHostHeaderProblem(["Accept", "*/*"]), null);
  });

  it("refuses a second Host header, whatever its case", () => {
    assert.match(findHostHeaderProblem(["Host", "app.test", "hOST", "evil.example"]) ?? "", /more than one Host/);
  });

  it("refuses a Host with userinfo", () => {
    assert.match(findHostHeaderProblem(["host", "app.test:@evil.example"]) ?? "", /not a host name/);
  });
});
