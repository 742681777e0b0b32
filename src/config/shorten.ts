/** Longest user text quoted in a message; a 1 MB value would drown the report. */
const MAX_QUOTED_LENGTH = 60;

/** JSON-quoted text, cut to a readable length with an ellipsis. */
export function quoteShort(text: string): string {
  return text.length <= MAX_QUOTED_LENGTH ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, MAX_QUOTED_LENGTH))}…`;
}

/**
 * Text cut to a readable length with an ellipsis, control characters (a NUL in a key) made
 * visible, for `${...}` expressions and key paths in messages.
 */
export function shorten(text: string): string {
  const cut = text.length <= MAX_QUOTED_LENGTH ? text : `${text.slice(0, MAX_QUOTED_LENGTH)}…`;
  return cut.replace(/[\u0000-\u001f\u007f]/g, (character) => JSON.stringify(character).slice(1, -1));
}

/** The first few names of a list, and how many more there are. */
export function listShort(names: readonly string[], shown = 10): string {
  const listed = names.slice(0, shown).map(shorten).join(", ");
  return names.length > shown ? `${listed} and ${names.length - shown} more` : listed;
}
