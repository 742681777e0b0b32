import type { YAMLError } from "yaml";
import type { Diagnostic } from "../errors.js";
import type { YamlLocator } from "./yaml-locator.js";

// The yaml library's messages quote its own internals ("Implicit map keys need to be followed by map
// values"); each error code gets berth's words instead, and the library's text is never shown.

const QUOTING_HINT =
  "check indentation (spaces only); quote values that contain `: ` or ` #`, and inside `{ }` or `[ ]` values that contain `{`, `}`, `[`, `]` or `,` (such as ${VAR})";

const YAML_ERRORS: Record<string, { message: string; hint: string }> = {
  ALIAS_PROPS: { message: "an alias (*name) cannot have an anchor or a tag", hint: "remove the `&anchor` or `!tag` before the alias" },
  BAD_ALIAS: { message: "this alias (*name) is not valid", hint: "write `*name` where `&name` marks a value above" },
  BAD_DIRECTIVE: { message: "unknown YAML directive", hint: "remove the line starting with `%`" },
  BAD_DQ_ESCAPE: { message: "invalid escape in a double-quoted string", hint: "write `\\\\` for a backslash, or use single quotes" },
  BAD_INDENT: { message: "this line is indented wrongly", hint: "line the key up with its siblings, using spaces" },
  BAD_PROP_ORDER: { message: "an anchor or tag is in the wrong place", hint: "write `&anchor` or `!tag` right before the value" },
  BAD_SCALAR_START: { message: "a value cannot start with this character", hint: "quote the value, e.g. `\"@value\"`" },
  BLOCK_AS_IMPLICIT_KEY: { message: "a nested map cannot start on the line of its key", hint: "put the nested map on its own indented lines, or quote a value that contains `: `" },
  BLOCK_IN_FLOW: { message: "an indented block cannot be inside `{ }` or `[ ]`", hint: "write the whole value inside the brackets, or drop the brackets" },
  DUPLICATE_KEY: { message: "this key is set twice in the same map", hint: "remove one of the two entries" },
  IMPOSSIBLE: { message: "this cannot be read as YAML", hint: QUOTING_HINT },
  KEY_OVER_1024_CHARS: { message: "a key longer than 1024 characters", hint: "shorten the key" },
  MISSING_CHAR: { message: "a closing quote or bracket is missing", hint: "close every `\"`, `'`, `[` and `{` that this value opens" },
  MULTILINE_IMPLICIT_KEY: { message: "a key cannot span several lines", hint: "check the indentation above, or quote a value that contains `: `" },
  MULTIPLE_ANCHORS: { message: "a value has two anchors", hint: "keep one `&anchor`" },
  MULTIPLE_DOCS: { message: "berth.yml holds more than one YAML document", hint: "remove the `---` line and merge the documents" },
  MULTIPLE_TAGS: { message: "a value has two tags", hint: "keep one `!tag`, or none" },
  NON_STRING_KEY: { message: "a key must be plain text", hint: "write the key as a name, e.g. `web:`" },
  RESOURCE_EXHAUSTION: { message: "berth.yml nests too deeply to be read", hint: "settings in berth.yml are at most four levels deep; check the brackets and indentation here" },
  TAB_AS_INDENT: { message: "a tab is used for indentation", hint: "indent with spaces; YAML does not allow tabs" },
  TAG_RESOLVE_FAILED: { message: "this value does not match its tag", hint: "remove the `!!tag`" },
  UNEXPECTED_TOKEN: { message: "unexpected text here", hint: QUOTING_HINT },
  BAD_COLLECTION_TYPE: { message: "this tag does not fit a list or a map", hint: "remove the `!!tag`" },
};

export function yamlErrorToDiagnostic(error: YAMLError, locator: YamlLocator): Diagnostic {
  const known = YAML_ERRORS[error.code] ?? { message: "this is not valid YAML", hint: QUOTING_HINT };
  return { location: locator.offsetAt(error.pos[0]), path: "", message: `YAML: ${known.message}`, hint: known.hint };
}
