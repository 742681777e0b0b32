import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "../config/fixture-dir.js";
import { EventJournal, readJournal } from "./event-journal.js";

test("events are kept in memory, appended to the stack's journal and told to subscribers", () => {
  const dir = scratchDir("events-");
  const journal = new EventJournal((stack) => join(dir, stack, "events.jsonl"));
  const seen: string[] = [];
  const unsubscribe = journal.subscribe((event) => seen.push(`${event.stack}:${event.kind}`));
  journal.record({ stack: "shop", kind: "crash", service: "web", replica: 0, message: "exited with status 1" });
  journal.record({ stack: "blog", kind: "deploy-failed", message: "web never became ready" });
  unsubscribe();
  journal.record({ stack: "shop", kind: "backup-succeeded", message: "db backed up" });

  assert.deepEqual(seen, ["shop:crash", "blog:deploy-failed"]);
  assert.deepEqual(journal.recent("shop").map((event) => event.kind), ["crash", "backup-succeeded"]);
  assert.equal(journal.recent("blog")[0]!.severity, "error");
  const onDisk = readJournal(join(dir, "shop", "events.jsonl"));
  assert.deepEqual(onDisk.map((event) => event.message), ["exited with status 1", "db backed up"]);
});

test("a new journal reads past events from disk and skips a torn last line", () => {
  const dir = scratchDir("events-");
  const path = join(dir, "shop", "events.jsonl");
  new EventJournal(() => path).record({ stack: "shop", kind: "rollback", message: "rolled back to r1" });
  appendFileSync(path, '{"kind":"cra');
  const reopened = new EventJournal(() => path);
  assert.deepEqual(reopened.recent("shop").map((event) => event.kind), ["rollback"]);
  reopened.record({ stack: "shop", kind: "crash", message: "killed by SIGKILL" });
  assert.equal(reopened.recent("shop").length, 2);
  assert.match(readFileSync(path, "utf8"), /killed by SIGKILL/);
});

test("a journal that cannot be written counts the drop and never throws", () => {
  const blocker = join(scratchDir("events-"), "not-a-directory");
  writeFileSync(blocker, "");
  const journal = new EventJournal(() => join(blocker, "events.jsonl"));
  const event = journal.record({ stack: "shop", kind: "disk-low", message: "1% free" });
  assert.equal(event.severity, "warning");
  assert.equal(journal.dropped, 1);
  assert.equal(journal.recent("shop").length, 1);
});
