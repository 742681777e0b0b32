import { isMap, isNode, isPair, isScalar, isSeq, visit, type Document, type LineCounter, type Node, type YAMLMap } from "yaml";
import { keyText } from "./yaml-locator.js";

// Overlays (`berth -d dev` → berth.dev.yml, or several -f files) merge over the base file, like
// Compose's override files: maps merge key by key, anything else (lists included) replaces, and
// `null` removes the key. The merge works on the YAML nodes themselves, so every value keeps the
// position it was written at; `origins` tells which file each node came from, for diagnostics.

export interface SourceFile {
  /** As shown in messages. */
  shown: string;
  lineCounter: LineCounter;
}

export type NodeOrigins = WeakMap<object, SourceFile>;

/** Merges `overlay`'s top-level map into `base`'s, in place. */
export function mergeOverlay(base: Document, overlay: Document, file: SourceFile, origins: NodeOrigins): void {
  if (overlay.contents === null || (isScalar(overlay.contents) && overlay.contents.value === null)) return;
  if (!isMap(base.contents) || !isMap(overlay.contents)) {
    markOrigin(overlay.contents, file, origins);
    base.contents = overlay.contents;
    return;
  }
  mergeMaps(base.contents, overlay.contents, file, origins);
}

function mergeMaps(base: YAMLMap, overlay: YAMLMap, file: SourceFile, origins: NodeOrigins): void {
  for (const pair of overlay.items) {
    if (!isPair(pair)) continue;
    const key = keyText(pair.key);
    const index = base.items.findIndex((candidate) => isPair(candidate) && keyText(candidate.key) === key);
    if (isNullValue(pair.value)) {
      if (index !== -1) base.items.splice(index, 1);
      continue;
    }
    const existing = index === -1 ? undefined : base.items[index]!;
    if (existing && isMap(existing.value) && isMap(pair.value)) {
      mergeMaps(existing.value, pair.value, file, origins);
      continue;
    }
    markOrigin(pair.key, file, origins);
    markOrigin(pair.value, file, origins);
    if (existing) existing.value = pair.value;
    else base.items.push(pair);
  }
}

/** A key written with no value, `null` or `~`. */
function isNullValue(value: unknown): boolean {
  return value === null || (isScalar(value) && value.value === null);
}

function markOrigin(node: unknown, file: SourceFile, origins: NodeOrigins): void {
  if (!isNode(node)) return;
  origins.set(node, file);
  if (isMap(node) || isSeq(node)) {
    visit(node as Node, (_key, child) => {
      if (isNode(child)) origins.set(child, file);
      else if (isPair(child) && isNode(child.key)) origins.set(child.key, file);
    });
  }
}
