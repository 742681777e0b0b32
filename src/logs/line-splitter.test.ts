import assert from "node:assert/strict";
import { test } from "node:test";
import { LineSplitter, MAX_LINE_BYTES } from "./line-splitter.js";

function split(chunks: (Buffer | string)[], options?: { maxLineBytes?: number }, flush = true): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), options);
  for (const chunk of chunks) splitter.push(chunk);
  if (flush) splitter.flush();
  return lines;
}

test("splits complete lines and keeps empty ones", () => {
  assert.deepEqual(split(["a\nb\n\nc\n"]), ["a", "b", "", "c"]);
});

test("joins a line split across chunks", () => {
  assert.deepEqual(split(["hel", "lo wo", "rld\nnext", "\n"]), ["hello world", "next"]);
});

test("holds a partial line until flush, and flush emits it", () => {
  assert.deepEqual(split(["done\npart"], {}, false), ["done"]);
  assert.deepEqual(split(["done\npart"]), ["done", "part"]);
});

test("flush with nothing pending emits nothing", () => {
  assert.deepEqual(split(["a\n"]), ["a"]);
  assert.deepEqual(split([]), []);
});

test("a multi-byte character split between chunks survives", () => {
  const bytes = Buffer.from("héllo → wörld 🚢\n");
  const chunks = [...bytes].map((byte) => Buffer.from([byte]));
  assert.deepEqual(split(chunks), ["héllo → wörld 🚢"]);
});

test("strips CRLF, also when CR and LF arrive in different chunks", () => {
  assert.deepEqual(split(["one\r\ntwo\r", "\nthree\r\n"]), ["one", "two", "three"]);
});

test("keeps a carriage return that is not part of a line ending", () => {
  assert.deepEqual(split(["progress 10%\rprogress 20%\n"]), ["progress 10%\rprogress 20%"]);
});

test("a trailing partial line ending in CR loses the CR on flush", () => {
  assert.deepEqual(split(["tail\r"]), ["tail"]);
});

test("caps an over-long line by emitting it in pieces of at most the limit", () => {
  const long = "x".repeat(MAX_LINE_BYTES * 2 + 10);
  const lines = split([long + "\nafter\n"]);
  assert.deepEqual(
    lines.map((line) => line.length),
    [MAX_LINE_BYTES, MAX_LINE_BYTES, 10, 5],
  );
  assert.equal(lines.slice(0, 3).join(""), long);
});

test("caps an over-long line that arrives in many small chunks", () => {
  const chunks = Array.from({ length: 50 }, () => "abcdefghij");
  const lines = split([...chunks, "\n"], { maxLineBytes: 64 });
  assert.ok(lines.every((line) => Buffer.byteLength(line) <= 64));
  assert.equal(lines.join(""), chunks.join(""));
});

test("a long line ending exactly on a piece boundary emits no empty extra piece", () => {
  assert.deepEqual(split(["a".repeat(16), "\nb\n"], { maxLineBytes: 8 }), ["aaaaaaaa", "aaaaaaaa", "b"]);
  assert.deepEqual(split(["a".repeat(9) + "\r", "\n"], { maxLineBytes: 8 }), ["aaaaaaaa", "a"]);
  assert.deepEqual(split(["a".repeat(8) + "\r", "\nb\n"], { maxLineBytes: 8 }), ["aaaaaaaa", "b"]);
});

test("never cuts a piece inside a multi-byte character", () => {
  const text = "é".repeat(40); // 80 bytes, 2 per character
  const lines = split([text + "\n"], { maxLineBytes: 9 });
  assert.ok(lines.every((line) => Buffer.byteLength(line) <= 9 && !line.includes("\uFFFD")));
  assert.equal(lines.join(""), text);
});
