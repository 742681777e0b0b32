import { Lexer } from "yaml";
import type { SourceLocation } from "../errors.js";

/**
 * Where brackets and compact block indicators (`- - - x`) first nest deeper than `limit`, found
 * from yaml's tokens before any tree is built. The yaml library composes nested values recursively:
 * on 100,000 `[` it recurses until the stack is exhausted, which takes a second on a loaded machine.
 * Stopping at the first token past the bound costs next to nothing. The count never exceeds the
 * real depth (indentation levels are not counted), so the exact check stays checkDocumentStructure's.
 */
export function findExcessiveNesting(text: string, limit: number): number | undefined {
  let offset = 0;
  let flowDepth = 0;
  let indicatorsOnLine = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") flowDepth += 1;
    else if (token === "]" || token === "}") flowDepth = Math.max(0, flowDepth - 1);
    else if (token === "\n" || token === "\r\n") indicatorsOnLine = 0;
    else if (flowDepth === 0 && (token === "-" || token === "?")) indicatorsOnLine += 1;
    if (flowDepth + indicatorsOnLine > limit) return offset;
    if (!isMarker(token)) offset += token.length;
  }
  return undefined;
}

/** Line and column (both from 1) of an offset in the text. */
export function locateOffset(text: string, offset: number, file: string): SourceLocation {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf("\n"); index !== -1 && index < offset; index = text.indexOf("\n", index + 1)) {
    line += 1;
    lineStart = index + 1;
  }
  return { file, line, column: offset - lineStart + 1 };
}

// The lexer emits one-character control tokens (document start, scalar, flow error end) that stand
// for no source text.
function isMarker(token: string): boolean {
  return token.length === 1 && token < " " && token !== "\n" && token !== "\t";
}
