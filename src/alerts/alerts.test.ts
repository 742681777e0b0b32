import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { completeEvent } from "../events/stack-event.js";
import { alertKindOf, alertPayload } from "./alert-payload.js";
import { postWebhook } from "./post-webhook.js";

test("the payload has a Slack text field and no secret value anywhere", () => {
  const event = completeEvent({ stack: "shop", kind: "deploy-failed", release: "r-s3cr3t-value", message: "failed: password=s3cr3t-value and hunter2" });
  const payload = alertPayload(event, "host1", ["s3cr3t-value", "hunter2"]);
  const body = JSON.stringify(payload);
  assert.equal(body.includes("s3cr3t-value"), false);
  assert.equal(body.includes("hunter2"), false);
  assert.match(payload.text, /^:red_circle: \[shop\] deploy-failed: failed: password=\*+ and \*+ \(host1\)$/);
  assert.equal(alertKindOf("health-restart"), "unhealthy");
  assert.equal(alertKindOf("backup-succeeded"), null);
});

test("deliveries retry 5xx with backoff and give up at once on a 4xx", async (t) => {
  const statuses = [503, 500, 200];
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(request.url === "/gone" ? 404 : statuses[requests++] ?? 200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const retry = { attempts: 5, firstDelayMs: 10, timeoutMs: 2000 };
  const delivered = await postWebhook(`http://127.0.0.1:${port}/hook`, { text: "hi" }, retry);
  assert.deepEqual(delivered, { delivered: true, attempts: 3, status: 200, error: null });
  const gone = await postWebhook(`http://127.0.0.1:${port}/gone`, { text: "hi" }, retry);
  assert.deepEqual(gone, { delivered: false, attempts: 1, status: 404, error: null });
  const refused = await postWebhook("http://127.0.0.1:1/hook", { text: "hi" }, { ...retry, attempts: 2 });
  assert.equal(refused.delivered, false);
  assert.equal(refused.attempts, 2);
  assert.match(refused.error ?? "", /ECONNREFUSED/);
});
