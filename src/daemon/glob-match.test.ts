import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globMatcher } from "./glob-match.js";

describe("globMatcher", () => {
  it("matches a name in any directory, and what is below a matched directory", () => {
    const pyc = globMatcher("*.pyc");
    assert.equal(pyc("app/__pycache__/views.cpython-311.pyc"), true);
    assert.equal(pyc("app/views.py"), false);
    assert.equal(globMatcher("node_modules")("frontend/node_modules/x/index.js"), true);
  });

  it("anchors patterns with a slash at the root; ** crosses directories", () => {
    assert.equal(globMatcher("media/**")("media/uploads/a.png"), true);
    assert.equal(globMatcher("media/**")("app/media/a.png"), false);
    assert.equal(globMatcher("app/*.py")("app/views.py"), true);
    assert.equal(globMatcher("app/*.py")("app/sub/views.py"), false);
  });
});
