import { quoteShort, shorten } from "./shorten.js";

// Compose-style interpolation of berth.yml strings:
//   ${VAR}  ${VAR:-default} (unset or empty)  ${VAR-default} (unset)
//   ${VAR:?message} (error if unset or empty)  ${VAR?message} (error if unset)  $$ -> $
// Plain $VAR is left alone: the shell expands it when the process starts. So are references to
// variables berth itself provides at start (PORT, DATABASE_URL, secrets...), braces and all.

export interface InterpolationSources {
  /** The value of a variable, or undefined when no source sets it. */
  lookup(name: string): string | undefined;
  /** Variables whose `${...}` must reach the shell untouched. */
  isLeftForShell(name: string): boolean;
  /** What berth provides at start (named when a reference is unknown), if the caller knows. */
  provided?: readonly string[];
}

export interface InterpolationProblem {
  message: string;
  hint: string;
  /** The `${...}` text at fault (cut to a readable length), to show in messages. */
  expression: string;
  /** Where the `${` at fault starts in the interpolated text. */
  index: number;
}

export interface InterpolationResult {
  value: string;
  problems: InterpolationProblem[];
}

/**
 * How deep `${A:-${B:-...}}` may nest. Real defaults nest once or twice; the bound keeps the
 * recursion far from the call stack's limit whatever the input.
 */
export const MAX_INTERPOLATION_DEPTH = 8;

const NAME_START = /[A-Za-z_]/;
const NAME_CHARACTER = /[A-Za-z0-9_]/;

export function interpolate(text: string, sources: InterpolationSources): InterpolationResult {
  if (!text.includes("$")) return { value: text, problems: [] };
  const context: Context = { text, closing: matchBraces(text), sources, problems: [] };
  const value = expandRange(context, 0, text.length, 0);
  return { value, problems: context.problems };
}

/**
 * The inverse of interpolate() for text meant for the shell (a Procfile command): `$$` and `${...}`
 * are escaped so berth passes them through unchanged, except references berth leaves alone anyway.
 */
export function escapeInterpolation(text: string, isLeftForShell: (name: string) => boolean): string {
  return text.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)?)/g, (match, rest: string, name: string | undefined) => {
    if (rest === "$") return "$$$$";
    return name !== undefined && isLeftForShell(name) ? match : "$" + match;
  });
}

interface Context {
  text: string;
  /** Index of each `{` -> index of its matching `}`, found in one pass so nothing is rescanned. */
  closing: Map<number, number>;
  sources: InterpolationSources;
  problems: InterpolationProblem[];
}

function expandRange(context: Context, start: number, end: number, depth: number): string {
  const { text, problems } = context;
  let value = "";
  let index = start;
  while (index < end) {
    const dollar = text.indexOf("$", index);
    if (dollar === -1 || dollar >= end) {
      value += text.slice(index, end);
      break;
    }
    value += text.slice(index, dollar);
    const next = dollar + 1 < end ? text[dollar + 1] : undefined;
    if (next === "$") {
      value += "$";
      index = dollar + 2;
      continue;
    }
    if (next !== "{") {
      value += "$";
      index = dollar + 1;
      continue;
    }
    const close = context.closing.get(dollar + 1);
    if (close === undefined || close >= end) {
      problems.push({
        message: `unterminated \`\${\` in ${quoteShort(text.slice(start, end))}`,
        hint: "close it with `}`, or write `$${` to pass a literal `${` to the shell",
        expression: shorten(text.slice(dollar, end)),
        index: dollar,
      });
      value += text.slice(dollar, end);
      break;
    }
    value += expand(context, dollar, close, depth);
    index = close + 1;
  }
  return value;
}

/** Expands the `${...}` from `dollar` to its closing brace at `close`. */
function expand(context: Context, dollar: number, close: number, depth: number): string {
  const { text, sources, problems } = context;
  const expression = text.slice(dollar, close + 1);
  const problem = (message: string, hint: string) => problems.push({ message, hint, expression: shorten(expression), index: dollar });

  let nameEnd = dollar + 2;
  if (nameEnd < close && NAME_START.test(text[nameEnd]!)) {
    while (nameEnd < close && NAME_CHARACTER.test(text[nameEnd]!)) nameEnd += 1;
  }
  const name = text.slice(dollar + 2, nameEnd);
  const operator = /^:?[-?]/.exec(text.slice(nameEnd, Math.min(nameEnd + 2, close)))?.[0];
  if (name === "" || (nameEnd < close && operator === undefined)) {
    problem(
      `cannot interpolate \`${shorten(expression)}\``,
      "berth understands ${NAME}, ${NAME:-default}, ${NAME-default} and ${NAME:?message}; write `$${` to pass the text to the shell as is",
    );
    return expression;
  }
  if (sources.isLeftForShell(name)) return expression;

  const value = sources.lookup(name);
  const unset = value === undefined;
  const empty = unset || value === "";
  const argumentStart = nameEnd + (operator?.length ?? 0);
  const nested = (): string => {
    if (depth + 1 >= MAX_INTERPOLATION_DEPTH) {
      problem(
        `\`\${...}\` nested more than ${MAX_INTERPOLATION_DEPTH} deep`,
        "nest defaults at most a few levels, e.g. ${A:-${B:-default}}",
      );
      // Left as written, so the value is not reported a second time as empty.
      return text.slice(argumentStart, close);
    }
    return expandRange(context, argumentStart, close, depth + 1);
  };

  switch (operator) {
    case ":-":
      return empty ? nested() : value;
    case "-":
      return unset ? nested() : value;
    case ":?":
    case "?": {
      if (!(operator === ":?" ? empty : unset)) return value ?? "";
      const message = argumentStart < close ? nested() : "";
      problem(`${name} is required${message ? `: ${shorten(message)}` : ""}`, `set ${name} in the environment or in an env_file`);
      return "";
    }
    default:
      if (unset) {
        const provided = sources.provided?.length ? `; berth provides at start: ${sources.provided.join(", ")}` : "";
        problem(`\${${name}} is not set`, `set ${name} in the environment, an env_file or env:, or write \${${name}:-default}${provided}`);
        return "";
      }
      return value;
  }
}

function matchBraces(text: string): Map<number, number> {
  const closing = new Map<number, number>();
  const open: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const character = text.charCodeAt(index);
    if (character === 123) open.push(index);
    else if (character === 125 && open.length > 0) closing.set(open.pop()!, index);
  }
  return closing;
}
