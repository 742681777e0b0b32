import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLogLine, parseLogLine } from "./log-line.js";

const AT = new Date("2025-03-04T05:06:07.089Z");

test("a formatted line parses back to what was written", () => {
  const raw = formatLogLine("err", "boom: it  broke ", AT);
  assert.equal(raw, "2025-03-04T05:06:07.089Z err boom: it  broke \n");
  assert.deepEqual(parseLogLine(raw), { at: AT, stream: "err", text: "boom: it  broke " });
});

test("an empty text is a valid line", () => {
  assert.deepEqual(parseLogLine("2025-03-04T05:06:07.089Z out "), { at: AT, stream: "out", text: "" });
});

test("line breaks inside the text never make a second line", () => {
  assert.equal(formatLogLine("out", "a\nb\r\nc\rd", AT), "2025-03-04T05:06:07.089Z out a b c d\n");
});

test("lines that are not in the format are rejected", () => {
  for (const raw of [
    "",
    "hello world",
    "2025-03-04T05:06:07.089Z info started",
    "2025-13-45T99:06:07.089Z out impossible date",
    "yesterday out text",
  ]) {
    assert.equal(parseLogLine(raw), null, raw);
  }
});
