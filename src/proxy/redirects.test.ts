import { test } from "node:test";
import assert from "node:assert/strict";
import { findRedirect, type RedirectRequest } from "./redirects.js";
import type { RedirectRule } from "./types.js";

const RULES: RedirectRule[] = [
  { fromHost: "www.shop.test", to: "shop.test", status: 301 },
  { fromPath: "/old-blog/", to: "/blog/", status: 308 },
  { fromPath: "/docs", to: "https://docs.example.org/shop", status: 302 },
];

const request = (overrides: Partial<RedirectRequest>): RedirectRequest => ({ protocol: "https", host: "shop.test", url: "/", redirectHttp: true, httpsPort: 443, ...overrides });

test("a host rule sends every path of that host to the other, query kept", () => {
  assert.deepEqual(findRedirect(RULES, request({ host: "WWW.shop.test", url: "/a/b?c=1" })), { status: 301, location: "https://shop.test/a/b?c=1" });
  assert.deepEqual(findRedirect(RULES, request({ host: "www.shop.test:8443", url: "/" })), { status: 301, location: "https://shop.test:8443/" }, "the port the client used is kept");
});

test("plain HTTP to a redirected host goes straight to HTTPS on the HTTPS port", () => {
  assert.deepEqual(findRedirect(RULES, request({ protocol: "http", host: "www.shop.test:8080", url: "/x", httpsPort: 8443 })), { status: 301, location: "https://shop.test:8443/x" });
  assert.deepEqual(findRedirect(RULES, request({ protocol: "http", host: "www.shop.test", url: "/x", redirectHttp: false })), { status: 301, location: "http://shop.test/x" });
});

test("a path rule replaces its prefix; whole segments only", () => {
  assert.deepEqual(findRedirect(RULES, request({ url: "/old-blog/2024/post?x=1" })), { status: 308, location: "/blog/2024/post?x=1" });
  assert.deepEqual(findRedirect(RULES, request({ url: "/docs/install" })), { status: 302, location: "https://docs.example.org/shop/install" });
  assert.equal(findRedirect(RULES, request({ url: "/docsify" })), null);
  assert.equal(findRedirect(RULES, request({ url: "/blog/" })), null);
});
