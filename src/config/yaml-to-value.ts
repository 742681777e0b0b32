import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";
import { MAX_NESTING_DEPTH } from "./check-document.js";
import type { Problem } from "./diagnostics.js";
import type { KeyPath } from "./yaml-locator.js";

/**
 * How many values berth.yml may hold once aliases are expanded. A real file holds hundreds; the
 * bound stops "billion laughs" (aliases of aliases) from making validation walk billions of values.
 */
export const MAX_EXPANDED_VALUES = 200_000;

class Refusal extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

export type ConversionResult = { ok: true; value: unknown } | { ok: false; problem: Problem };

/**
 * The document as plain JavaScript values, like yaml's toJS() but bounded: aliases are shared, not
 * copied, while the values they stand for are counted (and their depth measured) as if written out.
 * yaml's own maxAliasCount is not enough here: its alias lookup scans the document once per alias,
 * which is quadratic in a large file. Expects a document that passed checkDocumentStructure().
 */
export function convertDocument(document: Document): ConversionResult {
  const anchors = new Map<string, Node>();
  const converted = new Map<Node, { value: unknown; size: number; depth: number }>();
  const inProgress = new Set<Node>();
  let total = 0;

  const convert = (node: unknown, path: KeyPath, depth: number): { value: unknown; size: number; depth: number } => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const offset = node.range?.[0];
      if (!target) {
        throw new Refusal({ path, offset, message: `alias *${node.source} has no anchor &${node.source} before it`, hint: `define \`&${node.source}\` on a value above this line, or remove the alias` });
      }
      if (inProgress.has(target)) {
        throw new Refusal({ path, offset, message: `alias *${node.source} refers to a value that contains it`, hint: "an alias cannot repeat its own parent; copy the values instead" });
      }
      const result = converted.get(target)!;
      total += result.size;
      if (total > MAX_EXPANDED_VALUES) throw new Refusal(tooMany(path, offset));
      if (depth + result.depth > MAX_NESTING_DEPTH + 1) {
        throw new Refusal({ path, offset, message: `alias *${node.source} nests values more than ${MAX_NESTING_DEPTH} levels deep`, hint: "repeat fewer levels with aliases, or write the values out" });
      }
      return result;
    }
    const yamlNode = node as Node | null;
    if (yamlNode && "anchor" in yamlNode && typeof yamlNode.anchor === "string" && yamlNode.anchor) {
      anchors.set(yamlNode.anchor, yamlNode);
    }
    total += 1;
    if (total > MAX_EXPANDED_VALUES) throw new Refusal(tooMany(path, yamlNode?.range?.[0]));
    let result: { value: unknown; size: number; depth: number };
    if (isMap(node) || isSeq(node)) {
      inProgress.add(node);
      let size = 1;
      let deepest = 0;
      const add = (child: unknown, childPath: KeyPath) => {
        const inner = convert(child, childPath, depth + 1);
        size += inner.size;
        deepest = Math.max(deepest, inner.depth);
        return inner.value;
      };
      if (isMap(node)) {
        const object: Record<string, unknown> = {};
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const key = isScalar(pair.key) && pair.key.value !== null ? String(pair.key.value) : "";
          object[key] = add(pair.value, [...path, key]);
        }
        result = { value: object, size, depth: deepest + 1 };
      } else {
        result = { value: node.items.map((item, index) => add(item, [...path, index])), size, depth: deepest + 1 };
      }
      inProgress.delete(node);
    } else {
      result = { value: scalarValue(node), size: 1, depth: 1 };
    }
    if (yamlNode) converted.set(yamlNode, result);
    return result;
  };

  try {
    return { ok: true, value: convert(document.contents, [], 0).value };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, problem: error.problem };
    throw error;
  }
}

function scalarValue(node: unknown): unknown {
  if (!isScalar(node)) return null;
  const value = node.value;
  if (value === undefined || value === null) return null;
  if (typeof value === "object") return String(value);
  if (typeof value === "bigint") return Number(value);
  return value;
}

function tooMany(path: KeyPath, offset: number | undefined): Problem {
  return {
    path,
    offset,
    message: `berth.yml holds more than ${MAX_EXPANDED_VALUES} values once its aliases are expanded`,
    hint: "use fewer aliases (each one repeats all the values it names); a stack needs a few hundred values",
  };
}
