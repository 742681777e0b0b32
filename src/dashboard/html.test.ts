import { test } from "node:test";
import assert from "node:assert/strict";
import { html, raw } from "./html.js";
import { parseActionRequest, describeAction } from "./stack-actions.js";

test("interpolated values are escaped; nested html and raw are kept", () => {
  const name = `<script>alert("x")</script>&'`;
  const page = html`<p title="${name}">${name}${html`<b>${1}</b>`}${raw("<i>ok</i>")}${null}${[html`<br>`, "<"]}</p>`;
  assert.equal(page.text, `<p title="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;">&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;<b>1</b><i>ok</i><br>&#60;</p>`);
});

test("action requests from a page are checked before anything runs", () => {
  assert.deepEqual(parseActionRequest({ kind: "restart", service: "" }), { kind: "restart", service: undefined });
  assert.deepEqual(parseActionRequest({ kind: "scale", service: "web", count: "3" }), { kind: "scale", service: "web", count: 3 });
  assert.equal(describeAction(parseActionRequest({ kind: "rollback", release: "r1" })), "roll back to r1");
  assert.throws(() => parseActionRequest({ kind: "scale", service: "web", count: -1 }), /whole number/);
  assert.throws(() => parseActionRequest({ kind: "scale", count: 2 }), /needs a service/);
  assert.throws(() => parseActionRequest({ kind: "rollback" }), /needs a release/);
  assert.throws(() => parseActionRequest({ kind: "rm -rf" }), /unknown action/);
  assert.throws(() => parseActionRequest(null), /unknown action/);
});
