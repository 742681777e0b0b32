import type { IncomingHttpHeaders } from "node:http";

// Validators and conditional requests, RFC 9110 §8.8 (ETag, Last-Modified) and §13 (preconditions).

export interface Validators {
  /** Strong entity tag of the representation being selected, quotes included. */
  entityTag: string;
  /** Last-Modified, in milliseconds since the epoch (HTTP dates have one-second resolution). */
  lastModifiedMs: number;
}

export type PreconditionOutcome = "proceed" | "not-modified" | "failed";

// An entity-tag is an optional weak prefix and a quoted string of etagc characters, which may
// include commas, so a list is tokenized rather than split (RFC 9110 §8.8.3).
const ENTITY_TAG = /(W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g;

/**
 * A strong ETag from the file's size and modification time (microseconds, so two saves within a
 * second still differ), plus the content coding: each coding is its own representation.
 */
export function entityTagFor(size: number, mtimeMs: number, contentCoding: string | null): string {
  const version = `${size.toString(16)}-${Math.round(mtimeMs * 1000).toString(16)}`;
  return contentCoding ? `"${version}-${contentCoding}"` : `"${version}"`;
}

/** Last-Modified never lies in the future (RFC 9110 §8.8.2.1). */
export function lastModifiedFor(mtimeMs: number, nowMs = Date.now()): number {
  return Math.min(mtimeMs, nowMs);
}

/** The outcome of evaluating the preconditions, in the order of RFC 9110 §13.2.2, for GET and HEAD. */
export function evaluatePreconditions(headers: IncomingHttpHeaders, validators: Validators): PreconditionOutcome {
  const ifMatch = headers["if-match"];
  if (ifMatch !== undefined) {
    if (!matchesEntityTagList(ifMatch, validators.entityTag, "strong")) return "failed";
  } else if (headers["if-unmodified-since"] !== undefined) {
    const since = parseHttpDate(headers["if-unmodified-since"]);
    if (since !== null && wholeSeconds(validators.lastModifiedMs) > since / 1000) return "failed";
  }
  const ifNoneMatch = headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    if (matchesEntityTagList(ifNoneMatch, validators.entityTag, "weak")) return "not-modified";
  } else if (headers["if-modified-since"] !== undefined) {
    const since = parseHttpDate(headers["if-modified-since"]);
    if (since !== null && wholeSeconds(validators.lastModifiedMs) <= since / 1000) return "not-modified";
  }
  return "proceed";
}

/**
 * Whether a Range request may be answered with a part (RFC 9110 §13.1.5): true without If-Range,
 * otherwise only when its entity-tag matches strongly or its date equals Last-Modified exactly.
 */
export function ifRangeAllowsPartial(headers: IncomingHttpHeaders, validators: Validators): boolean {
  const ifRange = singleValue(headers["if-range"])?.trim();
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith("W/")) return ifRange === validators.entityTag;
  const date = parseHttpDate(ifRange);
  return date !== null && date / 1000 === wholeSeconds(validators.lastModifiedMs);
}

function matchesEntityTagList(header: string, entityTag: string, comparison: "strong" | "weak"): boolean {
  if (header.trim() === "*") return true;
  for (const [candidate, weakPrefix] of header.matchAll(ENTITY_TAG)) {
    if (comparison === "strong" && weakPrefix !== undefined) continue;
    const opaque = weakPrefix === undefined ? candidate : candidate.slice(2);
    if (opaque === entityTag) return true;
  }
  return false;
}

/** Node joins repeated headers into one string, except a few it keeps as arrays. */
function singleValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

function parseHttpDate(value: string): number | null {
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

function wholeSeconds(milliseconds: number): number {
  return Math.floor(milliseconds / 1000);
}
