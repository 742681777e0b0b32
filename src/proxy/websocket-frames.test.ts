import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameBoundaryRelay } from "./websocket-frames.js";

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length < 126) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const header = Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

function collect(relay: FrameBoundaryRelay): Buffer[] {
  const out: Buffer[] = [];
  relay.on("data", (chunk: Buffer) => out.push(chunk));
  return out;
}

test("frames pass through untouched", async () => {
  const relay = new FrameBoundaryRelay();
  const out = collect(relay);
  const frames = Buffer.concat([textFrame("one"), textFrame("x".repeat(300))]);
  relay.write(frames.subarray(0, 5));
  relay.write(frames.subarray(5));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(Buffer.concat(out), frames);
});

test("a stop asked between frames takes effect at once and drops what follows", async () => {
  const relay = new FrameBoundaryRelay();
  const out = collect(relay);
  relay.write(textFrame("first"));
  await new Promise((resolve) => setImmediate(resolve));
  await relay.stopAtBoundary();
  relay.write(textFrame("after"));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(Buffer.concat(out), textFrame("first"));
});

test("a stop asked inside a frame waits for the frame's end, splitting the chunk there", async () => {
  const relay = new FrameBoundaryRelay();
  const out = collect(relay);
  const long = textFrame("y".repeat(1000));
  relay.write(long.subarray(0, 100));
  await new Promise((resolve) => setImmediate(resolve));
  let stopped = false;
  const stop = relay.stopAtBoundary().then(() => (stopped = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stopped, false, "not in the middle of a frame");
  relay.write(Buffer.concat([long.subarray(100), textFrame("next")]));
  await stop;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(Buffer.concat(out), long, "the whole frame, nothing of the next");
});
