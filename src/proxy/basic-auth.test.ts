import { test } from "node:test";
import assert from "node:assert/strict";
import { basicAuthChallenge, basicAuthEntry, isAuthorized } from "./basic-auth.js";

const entry = basicAuthEntry("staging", "team", "s3cret:pass");
const header = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

test("the right user and password pass; anything else does not", () => {
  assert.equal(isAuthorized(entry, header("team:s3cret:pass")), true, "a colon in the password is fine");
  assert.equal(isAuthorized(entry, `basic   ${Buffer.from("team:s3cret:pass").toString("base64")}`), true);
  assert.equal(isAuthorized(entry, header("team:wrong")), false);
  assert.equal(isAuthorized(entry, header("other:s3cret:pass")), false);
  assert.equal(isAuthorized(entry, undefined), false);
  assert.equal(isAuthorized(entry, "Bearer abc"), false);
});

test("the entry keeps no password, and the challenge names the realm", () => {
  assert.doesNotMatch(JSON.stringify(entry), /s3cret/);
  assert.equal(basicAuthChallenge(entry), 'Basic realm="staging", charset="UTF-8"');
});
