import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { entityTagFor, evaluatePreconditions, ifRangeAllowsPartial, type Validators } from "./static-validators.js";

const MODIFIED_MS = Date.parse("2024-05-01T12:00:00.250Z");
const validators: Validators = { entityTag: entityTagFor(1234, MODIFIED_MS, null), lastModifiedMs: MODIFIED_MS };

describe("validators", () => {
  it("gives each version and each coding its own strong entity tag", () => {
    const identity = entityTagFor(1234, MODIFIED_MS, null);
    assert.match(identity, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.notEqual(entityTagFor(1234, MODIFIED_MS + 0.001, null), identity);
    assert.notEqual(entityTagFor(1235, MODIFIED_MS, null), identity);
    assert.equal(entityTagFor(1234, MODIFIED_MS, "br"), identity.slice(0, -1) + '-br"');
  });

  it("matches If-None-Match weakly, in lists whose tags may hold commas", () => {
    const { entityTag } = validators;
    for (const header of [entityTag, `W/${entityTag}`, `"a,b", ${entityTag}`, " * "]) {
      assert.equal(evaluatePreconditions({ "if-none-match": header }, validators), "not-modified", header);
    }
    assert.equal(evaluatePreconditions({ "if-none-match": '"a,b"' }, validators), "proceed");
  });

  it("matches If-Match strongly only", () => {
    assert.equal(evaluatePreconditions({ "if-match": validators.entityTag }, validators), "proceed");
    assert.equal(evaluatePreconditions({ "if-match": `W/${validators.entityTag}` }, validators), "failed");
    assert.equal(evaluatePreconditions({ "if-match": "*" }, validators), "proceed");
  });

  it("compares dates at one-second resolution", () => {
    const sameSecond = new Date(MODIFIED_MS).toUTCString();
    assert.equal(evaluatePreconditions({ "if-modified-since": sameSecond }, validators), "not-modified");
    assert.equal(evaluatePreconditions({ "if-unmodified-since": sameSecond }, validators), "proceed");
    assert.equal(evaluatePreconditions({ "if-unmodified-since": new Date(MODIFIED_MS - 1000).toUTCString() }, validators), "failed");
  });

  it("lets If-Range through only on an exact match", () => {
    assert.equal(ifRangeAllowsPartial({}, validators), true);
    assert.equal(ifRangeAllowsPartial({ "if-range": validators.entityTag }, validators), true);
    assert.equal(ifRangeAllowsPartial({ "if-range": `W/${validators.entityTag}` }, validators), false);
    assert.equal(ifRangeAllowsPartial({ "if-range": new Date(MODIFIED_MS).toUTCString() }, validators), true);
    assert.equal(ifRangeAllowsPartial({ "if-range": new Date(MODIFIED_MS + 1000).toUTCString() }, validators), false);
  });
});
