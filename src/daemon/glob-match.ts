/**
 * A glob pattern as a test on a path relative to the stack's root: `*` and `?` stay within one
 * path segment, `**` crosses them. A pattern without `/` matches any segment (`*.log`,
 * `node_modules`), like .gitignore.
 */
export function globMatcher(pattern: string): (relativePath: string) => boolean {
  const anchored = pattern.includes("/");
  const body = pattern.replace(/^\//, "").replace(/\/$/, "");
  let source = "";
  for (let index = 0; index < body.length; index += 1) {
    const character = body[index]!;
    if (character === "*" && body[index + 1] === "*") {
      source += ".*";
      index += 1;
      if (body[index + 1] === "/") index += 1;
    } else if (character === "*") source += "[^/]*";
    else if (character === "?") source += "[^/]";
    else source += character.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  // Matching a directory also matches everything below it.
  const expression = new RegExp(anchored ? `^${source}(?:/.*)?$` : `(?:^|/)${source}(?:/.*)?$`);
  return (relativePath) => expression.test(relativePath);
}
