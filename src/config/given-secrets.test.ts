import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixtureDir } from "./fixture-dir.js";
import { loadStackWithSecrets } from "./load.js";

describe("secrets the user brings", () => {
  const root = fixtureDir({
    "berth.yml": ["name: pixel", "env_file: .env", "env: { API_TOKEN: literal-token }", "secrets: [SECRET_KEY, SMTP_PASSWORD, API_TOKEN, FRESH]", "services:", "  web: { command: x }"].join("\n"),
    ".env": "SECRET_KEY=from-file-key\nSMTP_PASSWORD=from-file-smtp\nDEBUG=0\n",
  });

  it("are taken out of the stack's env, with where each came from (the environment first)", () => {
    const { stack, givenSecrets } = loadStackWithSecrets(join(root, "berth.yml"), { env: { SMTP_PASSWORD: "from-environment" } });
    assert.deepEqual(stack.env, { DEBUG: "0" });
    assert.deepEqual(givenSecrets, {
      SECRET_KEY: { value: "from-file-key", source: "env_file" },
      SMTP_PASSWORD: { value: "from-environment", source: "environment" },
      API_TOKEN: { value: "literal-token", source: "env" },
    });
    assert.ok(!JSON.stringify(stack).includes("from-file"));
  });
});

describe("an env_file marked secret", () => {
  it("makes each of its variables a secret, given from the file, and leaves its ${NAME} for start time", () => {
    const root = fixtureDir({
      "berth.yml": [
        "name: pixel",
        "env_file: [.env, { path: .env.secrets, secret: true }]",
        'env: { EMAIL_URL: "smtp://mailer:${SMTP_PASSWORD}@mail.example.org" }',
        "services:",
        "  web: { command: x }",
      ].join("\n"),
      ".env": "DEBUG=0\n",
      ".env.secrets": "SMTP_PASSWORD=from-secret-file\nAPI_TOKEN=token-123\n",
    });
    const { stack, givenSecrets } = loadStackWithSecrets(join(root, "berth.yml"), { env: {} });
    assert.deepEqual(stack.secrets, ["SMTP_PASSWORD", "API_TOKEN"]);
    assert.deepEqual(stack.env, { DEBUG: "0", EMAIL_URL: "smtp://mailer:${SMTP_PASSWORD}@mail.example.org" });
    assert.deepEqual(givenSecrets.API_TOKEN, { value: "token-123", source: "env_file" });
    assert.ok(!JSON.stringify(stack).includes("from-secret-file"));
  });
});
