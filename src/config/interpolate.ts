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
}

export interface InterpolationProblem {
  message: string;
  hint: string;
  /** The `${...}` text at fault, to point at it within its line. */
  expression: string;
}

export interface InterpolationResult {
  value: string;
  problems: InterpolationProblem[];
}

const EXPRESSION = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([\s\S]*))?$/;

export function interpolate(text: string, sources: InterpolationSources): InterpolationResult {
  const problems: InterpolationProblem[] = [];
  let value = "";
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf("$", index);
    if (dollar === -1) {
      value += text.slice(index);
      break;
    }
    value += text.slice(index, dollar);
    const next = text[dollar + 1];
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
    const close = findClosingBrace(text, dollar + 2);
    if (close === -1) {
      problems.push({
        message: `unterminated \`\${\` in ${JSON.stringify(text)}`,
        hint: "close it with `}`, or write `$${` to pass a literal `${` to the shell",
        expression: text.slice(dollar),
      });
      value += text.slice(dollar);
      break;
    }
    const expression = text.slice(dollar, close + 1);
    value += expand(expression, text.slice(dollar + 2, close), sources, problems);
    index = close + 1;
  }
  return { value, problems };
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

function expand(expression: string, body: string, sources: InterpolationSources, problems: InterpolationProblem[]): string {
  const match = EXPRESSION.exec(body);
  if (!match) {
    problems.push({
      message: `cannot interpolate \`${expression}\``,
      hint: "berth understands ${NAME}, ${NAME:-default}, ${NAME-default} and ${NAME:?message}; write `$${` to pass the text to the shell as is",
      expression,
    });
    return expression;
  }
  const [, name = "", operator, argument = ""] = match;
  if (sources.isLeftForShell(name)) return expression;

  const value = sources.lookup(name);
  const unset = value === undefined;
  const empty = unset || value === "";
  const nested = () => {
    const result = interpolate(argument, sources);
    problems.push(...result.problems);
    return result.value;
  };

  switch (operator) {
    case ":-":
      return empty ? nested() : value;
    case "-":
      return unset ? nested() : value;
    case ":?":
    case "?":
      if (operator === ":?" ? empty : unset) {
        problems.push({
          message: `${name} is required${argument ? `: ${nested()}` : ""}`,
          hint: `set ${name} in the environment or in an env_file`,
          expression,
        });
        return "";
      }
      return value ?? "";
    default:
      if (unset) {
        problems.push({
          message: `\${${name}} is not set`,
          hint: `set ${name} in the environment, an env_file or env:, or write \${${name}:-default}`,
          expression,
        });
        return "";
      }
      return value;
  }
}

function findClosingBrace(text: string, from: number): number {
  let depth = 1;
  for (let index = from; index < text.length; index += 1) {
    const character = text[index];
    if (character === "{") depth += 1;
    else if (character === "}" && --depth === 0) return index;
  }
  return -1;
}
