import { test } from "node:test";
import assert from "node:assert/strict";
import { LOGIN_TOKEN_TTL_MS, SESSION_IDLE_TTL_MS, SessionStore } from "./sessions.js";
import { LOGIN_ATTEMPTS_PER_WINDOW, LOGIN_WINDOW_MS, LoginRateLimit } from "./login-rate-limit.js";

test("a login token opens one session and is burnt", () => {
  const store = new SessionStore();
  const { token } = store.issueLoginToken();
  const session = store.redeemLoginToken(token);
  assert.ok(session);
  assert.notEqual(session.csrfToken, session.id);
  assert.equal(store.redeemLoginToken(token), null, "the same token cannot log in twice");
  assert.equal(store.find(session.id)?.id, session.id);
  assert.equal(store.redeemLoginToken("made-up"), null);
});

test("tokens expire; idle sessions end; a logged-out session is gone", () => {
  let now = 1_000_000;
  const store = new SessionStore(() => now);
  const { token } = store.issueLoginToken();
  now += LOGIN_TOKEN_TTL_MS + 1;
  assert.equal(store.redeemLoginToken(token), null, "an expired token");
  const session = store.redeemLoginToken(store.issueLoginToken().token)!;
  now += SESSION_IDLE_TTL_MS - 1;
  assert.ok(store.find(session.id), "still in use");
  now += SESSION_IDLE_TTL_MS + 1;
  assert.equal(store.find(session.id), null, "idle too long");
  const other = store.redeemLoginToken(store.issueLoginToken().token)!;
  store.end(other.id);
  assert.equal(store.find(other.id), null);
  assert.equal(store.find(undefined), null);
});

test("login attempts are limited per client within a window", () => {
  let now = 0;
  const limit = new LoginRateLimit(() => now);
  for (let attempt = 0; attempt < LOGIN_ATTEMPTS_PER_WINDOW; attempt++) assert.equal(limit.allow("10.0.0.1"), true);
  assert.equal(limit.allow("10.0.0.1"), false);
  assert.equal(limit.allow("10.0.0.2"), true, "another client has its own budget");
  now += LOGIN_WINDOW_MS;
  assert.equal(limit.allow("10.0.0.1"), true, "the window slid on");
});
