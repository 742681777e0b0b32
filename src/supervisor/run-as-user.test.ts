import { test } from "node:test";
import assert from "node:assert/strict";
import { commandNeeds, describeRunningAsRoot } from "./run-as-user.js";
import { stackUserName } from "./stack-user.js";

test("commandNeeds finds the program after assignments and exec, and the absolute paths named", () => {
  assert.deepEqual(commandNeeds("exec DEBUG=0 /opt/venv/bin/gunicorn app.wsgi --bind 127.0.0.1:$PORT"), { program: "/opt/venv/bin/gunicorn", paths: [] });
  assert.deepEqual(commandNeeds("node /srv/app/server.mjs --port $PORT"), { program: "node", paths: ["/srv/app/server.mjs"] });
  assert.deepEqual(commandNeeds("sh -c 'echo hi; exec sleep 5'"), { program: "sh", paths: [] });
  assert.deepEqual(commandNeeds("$HOME/bin/run"), { program: null, paths: [] });
});

test("stack users are berth-<stack>, shortened with a hash past useradd's 32 characters", () => {
  assert.equal(stackUserName("shop"), "berth-shop");
  const long = stackUserName("a-very-long-stack-name-that-goes-on-and-on");
  assert.equal(long.length, 32);
  assert.match(long, /^berth-a-very-long-stack-[0-9a-f]{8}$/);
  assert.notEqual(long, stackUserName("a-very-long-stack-name-that-goes-on-and-of"));
});

test("services running as root for one reason are named in one warning", () => {
  const [warning, other] = describeRunningAsRoot(
    new Map([
      ["the stack's user berth-shop cannot write to /root/shop", ["release", "web"]],
      ["the stack's user berth-shop cannot run /root/venv/bin/celery", ["worker"]],
    ]),
  );
  assert.match(warning!, /^release, web run as root: the stack's user berth-shop cannot write to \/root\/shop \(/);
  assert.match(other!, /^worker runs as root: .*celery \(give it access/);
});
