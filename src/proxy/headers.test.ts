import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clientResponseHeaders, upstreamRequestHeaders, type ForwardingContext } from "./headers.js";

const CONTEXT: ForwardingContext = { clientAddress: "203.0.113.7", peerTrusted: false, protocol: "https", host: "app.test", requestId: "id-1" };

describe("upstreamRequestHeaders", () => {
  it("drops every header name with an underscore, forwarding look-alikes included", () => {
    const headers = upstreamRequestHeaders(
      { host: "app.test", x_forwarded_for: "6.6.6.6", x_real_ip: "6.6.6.6", x_forwarded_proto: "http", remote_user: "admin", "x-custom": "kept" },
      CONTEXT,
    );
    for (const name of Object.keys(headers)) assert.ok(!name.includes("_"), `${name} reached the app`);
    assert.equal(headers["x-forwarded-for"], "203.0.113.7");
    assert.equal(headers["x-real-ip"], "203.0.113.7");
    assert.equal(headers["x-forwarded-proto"], "https");
    assert.equal(headers["x-custom"], "kept");
  });

  it("drops underscored names even from a trusted proxy", () => {
    const headers = upstreamRequestHeaders({ x_forwarded_for: "6.6.6.6", "x-forwarded-for": "198.51.100.1" }, { ...CONTEXT, peerTrusted: true });
    assert.equal(headers.x_forwarded_for, undefined);
    assert.equal(headers["x-forwarded-for"], "198.51.100.1, 203.0.113.7");
  });

  it("replaces forwarding headers from an untrusted client and removes hop-by-hop ones (RFC 9110 §7.6.1)", () => {
    const headers = upstreamRequestHeaders(
      { "x-forwarded-for": "6.6.6.6", forwarded: "for=6.6.6.6", connection: "keep-alive, x-hop", "x-hop": "1", te: "trailers", upgrade: "websocket" },
      CONTEXT,
    );
    assert.equal(headers["x-forwarded-for"], "203.0.113.7");
    assert.equal(headers.forwarded, "for=203.0.113.7;host=app.test;proto=https");
    assert.equal(headers["x-hop"], undefined);
    assert.equal(headers.te, undefined);
    assert.equal(headers.upgrade, undefined);
    assert.equal(headers.connection, undefined);
  });

  it("keeps Upgrade for a tunnelled upgrade request", () => {
    const headers = upstreamRequestHeaders({ connection: "Upgrade", upgrade: "websocket" }, CONTEXT, true);
    assert.equal(headers.upgrade, "websocket");
    assert.equal(headers.connection, "upgrade");
  });
});

describe("clientResponseHeaders", () => {
  it("removes hop-by-hop headers from the response", () => {
    const headers = clientResponseHeaders({ "content-type": "text/plain", connection: "close, x-secret", "x-secret": "1", "transfer-encoding": "chunked" });
    assert.deepEqual(headers, { "content-type": "text/plain" });
  });
});
