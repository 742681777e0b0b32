import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BERTH_BIN, berthOk, makeHome, tempDir, waitFor } from "../helpers/berth-cli.js";
import { runOutput, waitForHealthy } from "../helpers/backing.js";
import { DEBIAN_PYTHON } from "../helpers/django-project.js";

// Redis persists with an append-only file fsynced every second: killed with -9 while it
// acknowledges writes, it loses none older than about a second (the bound: 2 s).

const WRITER = `
import os, sys, time, redis
r = redis.Redis.from_url(os.environ["REDIS_URL"])
i = 0
while True:
    r.set(f"k:{i}", "1")
    if i % 50 == 0:
        print(i, int(time.time() * 1000), flush=True)
    i += 1
`;

test("Redis killed with -9 during acknowledged writes loses no write older than 2 s", async (t) => {
  const home = makeHome(t);
  const cwd = tempDir(t, "berth-redis-aof-");
  writeFileSync(join(cwd, "berth.yml"), `name: durable\nredis: true\nservices:\n  idle:\n    command: sleep 3600\n`);
  const options = { home, cwd };
  await berthOk(["up", "-d"], options);
  const [redisRow] = await waitForHealthy(options, 2);
  assert.equal(redisRow!.service, "redis");

  const writer = spawn(process.execPath, [BERTH_BIN, "run", DEBIAN_PYTHON, "-c", WRITER], { cwd, env: { ...process.env, BERTH_HOME: home } });
  const acknowledged: { index: number; at: number }[] = [];
  writer.stdout.setEncoding("utf8");
  writer.stdout.on("data", (chunk: string) => {
    for (const line of chunk.split("\n")) {
      const [index, at] = line.trim().split(" ").map(Number);
      if (index !== undefined && at !== undefined && !Number.isNaN(at)) acknowledged.push({ index, at });
    }
  });
  const exited = new Promise((resolve) => writer.once("exit", resolve));
  await waitFor(() => acknowledged.length > 0 && acknowledged.at(-1)!.at - acknowledged[0]!.at > 3_000, "3 s of acknowledged writes", 60_000);
  const killedAt = Date.now();
  process.kill(redisRow!.pid!, "SIGKILL");
  await exited;

  await waitForHealthy(options, 2);
  const older = acknowledged.filter((write) => write.at <= killedAt - 2_000);
  assert.ok(older.length > 0, "writes older than 2 s were acknowledged");
  const newest = older.at(-1)!.index;
  const missing = (await runOutput([DEBIAN_PYTHON, "-c", `import os, redis; r = redis.Redis.from_url(os.environ["REDIS_URL"]); p = r.pipeline(transaction=False); [p.exists(f"k:{i}") for i in range(${newest + 1})]; print(sum(1 for found in p.execute() if not found))`], options)).trim();
  assert.equal(missing, "0", `of ${newest + 1} writes acknowledged more than 2 s before the kill, ${missing} were lost`);
});
