import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixtureDir } from "../config/fixture-dir.js";
import { stackPaths } from "../util/paths.js";
import { ensureBackingPort, listeningPorts, readBackingPorts } from "./backing-ports.js";
import { backingLayout } from "./layout.js";

describe("backing ports", () => {
  it("sees the ports something listens on", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      assert.ok(listeningPorts().has((server.address() as AddressInfo).port));
    } finally {
      server.close();
    }
  });

  it("are chosen once per server, and never one another stack of this BERTH_HOME holds", () => {
    const home = fixtureDir({}, "berth-home-");
    const listening = listeningPorts();
    const [keptFree] = Array.from({ length: 10_000 }, (_, i) => 20_000 + i).filter((port) => !listening.has(port));
    // Another stack holds every port of the range but one.
    const others = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => 20_000 + i).filter((port) => port !== keptFree).map((port) => [`p${port}`, port]));
    mkdirSync(join(home, "stacks", "other", "data"), { recursive: true });
    writeFileSync(join(home, "stacks", "other", "data", "backing.json"), JSON.stringify(others));
    const layout = backingLayout(stackPaths("mine", home));
    assert.equal(ensureBackingPort(layout, "postgres"), keptFree);
    assert.equal(ensureBackingPort(layout, "postgres"), keptFree, "the same port the second time");
    assert.deepEqual(readBackingPorts(layout), { postgres: keptFree });
    assert.throws(() => ensureBackingPort(layout, "redis"), /no free port/);
  });
});
