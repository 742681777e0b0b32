import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import { UserError, type Diagnostic } from "../errors.js";
import type { KeyPath } from "../config/yaml-locator.js";
import { createYamlLocator, formatKeyPath, keyText } from "../config/yaml-locator.js";
import { fateOf } from "./key-mapping.js";
import type { ExportTarget, Unexpressed } from "./types.js";

// The keys written in berth.yml that a target cannot express, located at their line and column.
// The file was already validated by loadStack; it is read again here only for positions.

/** Keys written in `file` whose row in the mapping table says `dropped` for this target. */
export function findUnexpressedKeys(file: string, target: ExportTarget): Unexpressed[] {
  const { document } = parseWithPositions(file);
  const found: Unexpressed[] = [];
  const visit = (node: unknown, path: KeyPath) => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const keyPath = [...path, keyText(pair.key)];
      const fate = fateOf(effectivePath(keyPath, pair.value), target);
      if (fate === undefined) found.push({ path: keyPath, instead: `berth export ${target} does not know this key; it is left out` });
      else if ("dropped" in fate) found.push({ path: keyPath, instead: fate.dropped });
      // A dropped map's children are dropped with it: one line for the map says it all.
      if (fate === undefined || !("dropped" in fate)) visit(pair.value, keyPath);
    }
  };
  visit(document.contents, []);
  return found;
}

/** Adds the line and column of each key, from the berth.yml the stack was loaded from. */
export function locateUnexpressed(file: string, items: readonly Unexpressed[], shownFile: string = file): Unexpressed[] {
  const { document, lineCounter } = parseWithPositions(file);
  const locator = createYamlLocator(document, lineCounter, shownFile);
  return items.map((item) => ({ ...item, location: document.hasIn(item.path as unknown[]) ? locator.keyAt(item.path) : null }));
}

export function toDiagnostics(items: readonly Unexpressed[]): Diagnostic[] {
  return items.map((item) => ({ location: item.location ?? null, path: formatKeyPath(item.path), message: `not expressed: ${item.instead}` }));
}

/** `--strict`: every unexpressed key is an error. */
export function refuseUnexpressed(target: ExportTarget, items: readonly Unexpressed[]): void {
  if (items.length === 0) return;
  throw new UserError(`berth export ${target} --strict: ${items.length} key${items.length === 1 ? "" : "s"} of berth.yml cannot be expressed`, {
    diagnostics: toDiagnostics(items),
    hint: "remove these keys, or export without --strict to accept what happens instead",
  });
}

// `tls: acme` is the short form of `tls: { acme: {} }`: it has the fate of the long form.
function effectivePath(path: KeyPath, value: unknown): KeyPath {
  if (formatKeyPath(path) === "proxy.tls" && isScalar(value) && value.value === "acme") return [...path, "acme"];
  return path;
}

function parseWithPositions(file: string): { document: ReturnType<typeof parseDocument<Node>>; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const document = parseDocument<Node>(readFileSync(file, "utf8"), { lineCounter, uniqueKeys: false });
  return { document, lineCounter };
}
