// The static files every static-serving peer serves from the same directory.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface StaticFile {
  /** Name under the directory and under /static/ in the URL. */
  name: string;
  contents: Buffer;
}

/** A 4 KiB stylesheet and a 100 KiB script: typical sizes of a small and a large asset. */
export function writeStaticFiles(directory: string): StaticFile[] {
  mkdirSync(directory, { recursive: true });
  const files: StaticFile[] = [
    { name: "app.css", contents: filled(4 * 1024, (i) => `.c${i} { color: #${(i * 2654435761 % 0xffffff).toString(16).padStart(6, "0")}; margin: ${i % 17}px; }\n`) },
    { name: "app.js", contents: filled(100 * 1024, (i) => `export function f${i}(x) { return x * ${i % 97} + ${(i * 7919) % 1000}; }\n`) },
  ];
  for (const file of files) writeFileSync(join(directory, file.name), file.contents);
  return files;
}

/** Exactly `size` bytes of text made of `line(i)` for i = 0, 1, … (deterministic). */
function filled(size: number, line: (index: number) => string): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const next = line(i);
    parts.push(next);
    length += next.length;
  }
  return Buffer.from(parts.join("").slice(0, size - 1) + "\n");
}
