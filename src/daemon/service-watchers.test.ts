import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixtureDir } from "../config/fixture-dir.js";
import { loadStack } from "../config/load.js";
import { silentLogger } from "../util/logger.js";
import { ServiceWatchers, WATCH_DEBOUNCE_MS } from "./service-watchers.js";

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("ServiceWatchers", () => {
  it("reports one change per burst of writes, naming the file, and ignores what it is told to", async () => {
    const root = fixtureDir({
      "berth.yml": ["services:", "  web:", "    command: x", "    watch: { paths: [app], ignore: ['*.tmp'] }", "  worker: { command: y }"].join("\n"),
      "app/views.py": "v1",
    });
    const stack = loadStack(join(root, "berth.yml"), { env: {} });
    const changes: [string, string][] = [];
    const watchers = new ServiceWatchers((service, file) => changes.push([service, file]), silentLogger);
    watchers.update(stack);
    try {
      writeFileSync(join(root, "app", "scratch.tmp"), "ignored");
      mkdirSync(join(root, "app", "__pycache__"));
      writeFileSync(join(root, "app", "__pycache__", "views.pyc"), "ignored");
      for (let write = 0; write < 5; write += 1) writeFileSync(join(root, "app", "views.py"), `v${write + 2}`);
      await until(() => changes.length > 0, "a change to be reported");
      // Quiet for several debounce periods: the burst was one restart.
      await new Promise((resolve) => setTimeout(resolve, WATCH_DEBOUNCE_MS * 3));
      assert.deepEqual(changes, [["web", "app/views.py"]]);
    } finally {
      watchers.close();
    }
  });
});
