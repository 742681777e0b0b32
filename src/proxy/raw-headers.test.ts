import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clientResponseHeaders, upstreamRequestHeaders, type ForwardingContext } from "./headers.js";
import { clientResponseRawHeaders, upstreamRequestRawHeaders } from "./raw-headers.js";

const CONTEXT: ForwardingContext = { clientAddress: "203.0.113.7", peerTrusted: false, protocol: "https", host: "app.test", requestId: "id-1" };

/** A raw array as node would make an object of it (names lower-cased, repeats joined). */
function asObject(raw: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!.toLowerCase();
    object[name] = object[name] === undefined ? raw[index + 1]! : `${object[name]}, ${raw[index + 1]}`;
  }
  return object;
}

const REQUESTS: string[][] = [
  ["Host", "app.test", "X_Forwarded_For", "6.6.6.6", "Remote_User", "admin", "X-Custom", "kept"],
  ["Host", "app.test", "X-Forwarded-For", "6.6.6.6", "Forwarded", "for=6.6.6.6", "Connection", "keep-alive, x-hop", "X-Hop", "1", "TE", "trailers", "Upgrade", "websocket"],
  ["Host", "app.test", "X-Forwarded-For", "198.51.100.1", "X-Forwarded-Proto", "http", "X-Request-Id", "upstream-id", "Accept", "*/*"],
  [":authority", "app.test", ":path", "/", "accept", "text/html"],
];

describe("raw headers follow the same rules as header objects", () => {
  for (const [index, raw] of REQUESTS.entries()) {
    for (const peerTrusted of [false, true]) {
      it(`request ${index + 1}, ${peerTrusted ? "trusted" : "untrusted"} peer`, () => {
        const context = { ...CONTEXT, peerTrusted };
        const object = upstreamRequestHeaders(asObject(withHost(raw)), context);
        assert.deepEqual(asObject(upstreamRequestRawHeaders(raw, context)), object);
      });
    }
  }

  it("drops the proxy's own Authorization when asked", () => {
    assert.equal(asObject(upstreamRequestRawHeaders(["Host", "a.test", "Authorization", "Basic eA=="], CONTEXT, true)).authorization, undefined);
    assert.equal(asObject(upstreamRequestRawHeaders(["Host", "a.test", "Authorization", "Bearer t"], CONTEXT)).authorization, "Bearer t");
  });

  it("responses: hop-by-hop removed, the proxy's headers replace the app's", () => {
    const raw = ["Content-Type", "text/plain", "Connection", "keep-alive, x-hop", "X-Hop", "1", "Keep-Alive", "timeout=5", "X-Request-Id", "app-id", "Set-Cookie", "a=1", "Set-Cookie", "b=2"];
    const out = clientResponseRawHeaders(raw, ["x-request-id", "proxy-id"]);
    assert.deepEqual(out, ["Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2", "x-request-id", "proxy-id"]);
    const expected = { ...clientResponseHeaders({ "content-type": "text/plain", connection: "keep-alive, x-hop", "x-hop": "1", "keep-alive": "timeout=5", "x-request-id": "app-id" }), "x-request-id": "proxy-id" };
    const { "set-cookie": _cookies, ...rest } = asObject(out);
    assert.deepEqual(rest, expected);
  });
});

/** The object rules see HTTP/2's :authority as the handler gives it: a host header. */
function withHost(raw: string[]): string[] {
  const out: string[] = [];
  for (let index = 0; index < raw.length; index += 2) {
    if (raw[index] === ":authority") out.push("host", raw[index + 1]!);
    else if (!raw[index]!.startsWith(":")) out.push(raw[index]!, raw[index + 1]!);
  }
  return out;
}
