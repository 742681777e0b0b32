import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from "yaml";
import type { SourceLocation } from "../errors.js";
import { shorten } from "./shorten.js";

export type KeyPath = readonly PropertyKey[];

/** Finds where a key path is written in the YAML source, so every diagnostic points at a line. */
export interface YamlLocator {
  /** The value at `path`; for a missing key, the nearest key that does exist. */
  valueAt(path: KeyPath): SourceLocation;
  /** The key itself (for unknown keys and bad map keys). */
  keyAt(path: KeyPath): SourceLocation;
  /** The location of a YAML node. */
  nodeAt(node: Node): SourceLocation;
  offsetAt(offset: number): SourceLocation;
  /** Whether the value at `path` was written in an overlay file (offsets then refer to that file). */
  fromOverlay(path: KeyPath): boolean;
}

/** Which file a node was written in, for nodes merged in from an overlay (overlay.ts). */
export type OriginOf = (node: unknown) => { shown: string; lineCounter: LineCounter } | undefined;

export function createYamlLocator(document: Document, lineCounter: LineCounter, file: string, originOf: OriginOf = () => undefined): YamlLocator {
  const offsetAt = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const nodeLocation = (node: unknown, offset: number): SourceLocation => {
    const origin = originOf(node);
    if (!origin) return offsetAt(offset);
    const { line, col } = origin.lineCounter.linePos(offset);
    return { file: origin.shown, line, column: col };
  };
  const nodeStart = (node: unknown): number | undefined =>
    isNode(node) && node.range ? node.range[0] : undefined;

  const walk = (path: KeyPath) => {
    let node: unknown = document.contents;
    let lastKey: unknown = undefined;
    let found = 0;
    for (const segment of path) {
      const pair = isMap(node) ? findPair(node, segment) : undefined;
      if (pair) {
        lastKey = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
        node = node.items[segment];
      } else {
        break;
      }
      found += 1;
    }
    return { node, lastKey, complete: found === path.length };
  };

  const fallback = () => offsetAt(nodeStart(document.contents) ?? 0);

  return {
    valueAt(path) {
      const { node, lastKey, complete } = walk(path);
      const valueStart = nodeStart(node);
      if (complete && valueStart !== undefined && !(isScalar(node) && node.value === null && lastKey)) {
        return nodeLocation(node, valueStart);
      }
      const keyStart = nodeStart(lastKey);
      return keyStart !== undefined ? nodeLocation(lastKey, keyStart) : fallback();
    },
    keyAt(path) {
      const { lastKey, node, complete } = walk(path);
      const keyNode = complete && nodeStart(lastKey) === undefined ? node : lastKey;
      const start = nodeStart(keyNode);
      return start !== undefined ? nodeLocation(keyNode, start) : fallback();
    },
    nodeAt(node) {
      return nodeLocation(node, nodeStart(node) ?? 0);
    },
    offsetAt,
    fromOverlay(path) {
      const { node, lastKey } = walk(path);
      return originOf(node) !== undefined || originOf(lastKey) !== undefined;
    },
  };
}

// Indexed once per map: a file with thousands of problems in one big map would otherwise scan the
// map once per problem.
const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair<unknown, unknown>>>();

function findPair(map: YAMLMap, segment: PropertyKey): Pair<unknown, unknown> | undefined {
  let index = pairsByKey.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items) {
      const key = keyText(item.key);
      if (isPair(item) && !index.has(key)) index.set(key, item);
    }
    pairsByKey.set(map, index);
  }
  return index.get(String(segment));
}

export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** `services.web.depends_on.0` */
export function formatKeyPath(path: KeyPath): string {
  return path.map((segment) => shorten(String(segment))).join(".");
}
