// Byte ranges, RFC 9110 §14. One range is answered with 206 and Content-Range; several ranges are
// answered with the whole file (200), which §14.2 allows and spares us multipart/byteranges.

export type RangeRequest =
  /** No usable Range header: send the whole representation. */
  | { kind: "whole" }
  | { kind: "partial"; start: number; end: number }
  /** Syntactically valid but no byte of it exists: 416 with `Content-Range: bytes *\/size`. */
  | { kind: "unsatisfiable" };

const SINGLE_RANGE = /^(\d*)-(\d*)$/;

/** Interprets a Range header against a representation of `size` bytes; `end` is inclusive. */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "whole" };
  const equals = header.indexOf("=");
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== "bytes") return { kind: "whole" };
  const ranges = header
    .slice(equals + 1)
    .split(",")
    .map((range) => range.trim())
    .filter((range) => range !== "");
  if (ranges.length !== 1) return { kind: "whole" };
  const match = SINGLE_RANGE.exec(ranges[0] ?? "");
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };

  if (first === "") {
    const suffixLength = toSafeInteger(last) ?? Number.MAX_SAFE_INTEGER;
    if (suffixLength === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffixLength), end: size - 1 };
  }
  // last-pos below first-pos makes the range invalid, hence ignored (§14.1.1), not unsatisfiable.
  if (last !== "" && BigInt(last) < BigInt(first)) return { kind: "whole" };
  const start = toSafeInteger(first);
  const end = last === "" ? null : toSafeInteger(last);
  if (start === null || start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end: Math.min(end ?? size - 1, size - 1) };
}

/** Absurdly long digit strings are still valid syntax: they lie past any file's end (null). */
function toSafeInteger(digits: string): number | null {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : null;
}
