import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../errors.js";
import { exportStack } from "./index.js";
import { fixtureOptions, loadFixtureStack } from "./export-fixture.js";
import { refuseUnexpressed } from "./unexpressed.js";

describe("keys a target cannot express", () => {
  const stack = loadFixtureStack();

  it("are reported with the line and column where berth.yml writes them", () => {
    const result = exportStack(stack, "systemd", fixtureOptions(stack), "berth.yml");
    const health = result.unexpressed.find((item) => item.path.join(".") === "services.web.health");
    assert.deepEqual(health?.location, { file: "berth.yml", line: 16, column: 5 });
    const hooks = result.unexpressed.find((item) => item.path.join(".") === "hooks");
    assert.equal(hooks?.location?.line, 26);
    assert.match(hooks?.instead ?? "", /yourself/);
    // A dropped map is one line: its children are not listed again.
    assert.ok(!result.unexpressed.some((item) => item.path.join(".") === "hooks.post_deploy"));
  });

  it("are not reported when the target expresses them", () => {
    const result = exportStack(stack, "compose", fixtureOptions(stack), "berth.yml");
    const keys = result.unexpressed.map((item) => item.path.join("."));
    assert.ok(!keys.includes("services.web.health"));
    assert.deepEqual(keys.sort(), ["backup.schedule", "hooks", "keep_releases"].sort());
  });

  it("depend on the value: `tls: acme` cannot be said by an nginx site", () => {
    const result = exportStack(stack, "systemd", fixtureOptions(stack), "berth.yml");
    const tls = result.unexpressed.find((item) => item.path.join(".") === "proxy.tls");
    assert.match(tls?.instead ?? "", /certbot/);
    assert.deepEqual(tls?.location, { file: "berth.yml", line: 29, column: 3 });
  });

  it("fail the export with --strict, each named with its line and column", () => {
    const result = exportStack(stack, "kubernetes", fixtureOptions(stack), "berth.yml");
    assert.throws(() => refuseUnexpressed("kubernetes", result.unexpressed), (error: unknown) => {
      assert.ok(error instanceof UserError);
      const diagnostics = error.options.diagnostics ?? [];
      assert.equal(diagnostics.length, result.unexpressed.length);
      assert.ok(diagnostics.some((diagnostic) => diagnostic.path === "logs" && diagnostic.location?.line === 24));
      return true;
    });
    assert.doesNotThrow(() => refuseUnexpressed("kubernetes", []));
  });
});
