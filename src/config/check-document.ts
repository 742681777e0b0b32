import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";
import type { Problem } from "./diagnostics.js";
import { quoteShort } from "./shorten.js";
import type { KeyPath } from "./yaml-locator.js";

/**
 * The deepest valid berth.yml key is four levels down (proxy.tls.acme.email). Anything much deeper
 * is a mistake or an attack, and every later step (interpolation, conversion, validation) walks the
 * tree recursively, so a bound here keeps them all far from the call stack's limit.
 */
export const MAX_NESTING_DEPTH = 32;

export const NESTING_HINT = "berth.yml's settings are at most four levels deep; check the brackets and the indentation here";

/** Keys that would reach an object's prototype in JavaScript; refused so none is dropped in silence. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export interface StructureCheck {
  problems: Problem[];
  /** The tree nests too deeply to be walked recursively: report the problems alone. */
  tooDeep: boolean;
}

/**
 * Structural checks on the parsed YAML, made before anything walks the tree recursively: nesting
 * depth, map keys (plain scalars, unique, no prototype names) and NUL bytes anywhere. One iterative
 * pass, linear in the size of the document (yaml's own duplicate-key check is quadratic). A refused
 * key is removed from its map, so the rest of the file is still checked without follow-on noise.
 */
export function checkDocumentStructure(document: Document): StructureCheck {
  const problems: Problem[] = [];
  let tooDeep = false;
  const pending: { node: unknown; path: KeyPath; depth: number }[] = [{ node: document.contents, path: [], depth: 0 }];
  while (pending.length > 0) {
    const { node, path, depth } = pending.pop()!;
    if (depth > MAX_NESTING_DEPTH && (isMap(node) || isSeq(node))) {
      problems.push({
        path,
        offset: node.range?.[0],
        message: `nested more than ${MAX_NESTING_DEPTH} levels deep`,
        hint: NESTING_HINT,
      });
      tooDeep = true;
      continue;
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      node.items = node.items.filter((pair) => {
        const key = isPair(pair) ? checkKey(pair.key, path, seen, problems) : undefined;
        if (key !== undefined) pending.push({ node: pair.value, path: [...path, key], depth: depth + 1 });
        return key !== undefined;
      });
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => pending.push({ node: item, path: [...path, index], depth: depth + 1 }));
    } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("\0")) {
      problems.push(nulProblem(path, node, "value"));
    }
  }
  return { problems, tooDeep };
}

function checkKey(key: unknown, path: KeyPath, seen: Set<string>, problems: Problem[]): string | undefined {
  const offset = (key as Node | null)?.range?.[0];
  if (key !== null && !isScalar(key)) {
    problems.push({
      path,
      offset,
      message: isAlias(key) ? "an alias cannot be a key" : "a key must be a name, not a list or a map",
      hint: "write the key as plain text, e.g. `web:`",
    });
    return undefined;
  }
  const text = key === null || key.value === null ? "" : String(key.value);
  const keyPath = [...path, text];
  if (text.includes("\0")) {
    problems.push(nulProblem(keyPath, key, "key"));
    return undefined;
  }
  if (PROTOTYPE_KEYS.has(text)) {
    problems.push({
      path: keyPath,
      offset,
      message: `\`${text}\` cannot be used as a key`,
      hint: "berth refuses the names __proto__, constructor and prototype as keys; rename it",
    });
    return undefined;
  }
  if (seen.has(text)) {
    problems.push({
      path: keyPath,
      offset,
      message: `${quoteShort(text)} is set twice in this map`,
      hint: "remove one of the two entries",
    });
    return undefined;
  }
  seen.add(text);
  return text;
}

function nulProblem(path: KeyPath, node: Node | null, what: "key" | "value"): Problem {
  return {
    path,
    offset: node?.range?.[0],
    message: `this ${what} contains a NUL byte (\\0)`,
    hint: "remove it: programs, environment variables and paths cannot hold NUL bytes",
  };
}
