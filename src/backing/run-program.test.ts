import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { UserError } from "../errors.js";
import { runProgram, toolEnv } from "./run-program.js";

describe("runProgram", () => {
  it("passes stdin, returns stdout", async () => {
    assert.equal(await runProgram("/bin/cat", [], { env: {}, input: "hello" }), "hello");
  });

  it("fails with the program's error output, passwords scrubbed", async () => {
    await assert.rejects(
      runProgram("/bin/sh", ["-c", "echo 'login as app with s3cret failed' >&2; exit 2"], { env: {}, secretValues: ["s3cret"] }),
      (error: unknown) =>
        error instanceof UserError && error.message === "sh failed (exit code 2)" && error.options.details === "login as app with ******** failed",
    );
  });

  it("fails when its input cannot be read", async () => {
    const broken = new Readable({ read() { this.destroy(new Error("disk error")); } });
    await assert.rejects(runProgram("/bin/cat", [], { env: {}, input: broken }), /could not read the input of cat: disk error/);
  });

  it("keeps PG*, MYSQL* and REDISCLI_* of berth's own environment from the servers' tools", () => {
    assert.deepEqual(toolEnv({ PATH: "/bin", PGHOST: "elsewhere", MYSQL_PWD: "x", REDISCLI_AUTH: "y" }, { PGPASSWORD: "p" }), { PATH: "/bin", PGPASSWORD: "p" });
  });
});
