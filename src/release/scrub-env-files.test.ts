import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropAssignments } from "./scrub-env-files.js";

describe("dropAssignments", () => {
  it("removes the secret lines, exported or quoted over several lines, and keeps the rest", () => {
    const text = ['DEBUG=0', 'export SECRET_KEY="abc"', "SMTP_PASSWORD='line1", "line2'", "EMAIL_HOST = smtp.example.org", "SECRET_KEY_FALLBACK=x", ""].join("\n");
    assert.equal(dropAssignments(text, new Set(["SECRET_KEY", "SMTP_PASSWORD"])), ["DEBUG=0", "EMAIL_HOST = smtp.example.org", "SECRET_KEY_FALLBACK=x", ""].join("\n"));
  });
});
