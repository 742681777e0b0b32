import assert from "node:assert/strict";
import { test } from "node:test";
import { renderDaemonUnit, UNIT_DEFAULT_PATH } from "./systemd-unit.js";

test("the daemon's unit stops only the daemon, restarts it always, and carries no proxy settings", () => {
  const unit = renderDaemonUnit({ home: "/srv/berth", user: "deploy" });
  assert.match(unit, /^KillMode=process$/m);
  assert.match(unit, /^Restart=always$/m);
  assert.match(unit, /^Environment=BERTH_HOME=\/srv\/berth$/m);
  assert.equal(unit.match(/^Environment=/gm)?.length, 2, "BERTH_HOME and PATH only");
  assert.ok(unit.includes(`Environment=PATH=${UNIT_DEFAULT_PATH}\n`));
  assert.doesNotMatch(unit, /BERTH_(PROXY|HTTP|HTTPS|ACME)/);
  assert.match(unit, /\/srv\/berth\/host\.yml/);
  assert.match(unit, /^ExecStart=\S+ \S+daemon-entry\.js$/m);
});
