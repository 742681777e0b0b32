import { isMap, isPair, isScalar, isSeq, Scalar, type Document } from "yaml";
import type { Problem } from "./diagnostics.js";
import { interpolate, type InterpolationSources } from "./interpolate.js";
import { keyText, type KeyPath } from "./yaml-locator.js";

/**
 * Interpolates every string scalar of the document in place, before validation, so a value such as
 * `replicas: ${WEB_REPLICAS:-2}` is checked after substitution. Keys are never interpolated.
 */
export function interpolateDocument(document: Document, source: string, sources: InterpolationSources): Problem[] {
  const problems: Problem[] = [];
  const visit = (node: unknown, path: KeyPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair)) visit(pair.value, [...path, keyText(pair.key)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("$")) {
      const result = interpolate(node.value, sources);
      for (const { message, hint, index } of result.problems) {
        problems.push({ path, message, hint, offset: offsetOf(node.value, index, node, source) });
      }
      if (result.value !== node.value) node.value = retype(node, node.value, result.value);
    }
  };
  visit(document.contents, []);
  return problems;
}

// Where the expression is written, when the scalar's source spells it as its value does (a plain
// or quoted one-line scalar); otherwise where the scalar starts.
function offsetOf(text: string, index: number, node: Scalar, source: string): number | undefined {
  if (!node.range) return undefined;
  const start = node.range[0];
  const written = text.slice(index, index + 40);
  for (const candidate of [start + index, start + 1 + index]) {
    if (source.startsWith(written, candidate)) return candidate;
  }
  return start;
}

const WHOLE_EXPRESSION = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?-][^{}]*)?\}$/;

// `replicas: ${REPLICAS}` that became "2" should be the number 2, as if it had been written so. The
// same goes for a quoted "${REPLICAS}", since flow maps ({ replicas: ... }) force quotes around
// braces. Other quoted scalars stay strings, as YAML would have it. Only exact round trips become
// numbers, so "1.10" or "007" keep their spelling.
function retype(node: Scalar, original: string, value: string): unknown {
  if (node.type !== Scalar.PLAIN && !WHOLE_EXPRESSION.test(original)) return value;
  if (value !== "" && String(Number(value)) === value) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}
