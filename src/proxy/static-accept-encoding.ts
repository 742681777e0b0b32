// Accept-Encoding, RFC 9110 §12.5.3: which of our content codings the client takes, best first.

export type ContentCoding = "br" | "gzip";

/** Our codings in the order we prefer them when the client weighs them equally. */
export const CONTENT_CODINGS: readonly ContentCoding[] = ["br", "gzip"];

/**
 * The codings the client accepts (q > 0), highest weight first, brotli before gzip on a tie.
 * `x-gzip` counts as gzip (§12.5.3); `*` stands for every coding not listed.
 */
export function acceptedCodings(header: string | undefined): ContentCoding[] {
  if (header === undefined) return [];
  const weights = new Map<string, number>();
  for (const element of header.split(",")) {
    const [name = "", ...parameters] = element.split(";").map((part) => part.trim().toLowerCase());
    if (name === "") continue;
    const coding = name === "x-gzip" ? "gzip" : name;
    const weight = weightOf(parameters);
    weights.set(coding, Math.max(weight, weights.get(coding) ?? -1));
  }
  const wildcard = weights.get("*") ?? 0;
  return CONTENT_CODINGS.map((coding) => ({ coding, weight: weights.get(coding) ?? wildcard }))
    .filter(({ weight }) => weight > 0)
    .sort((a, b) => b.weight - a.weight)
    .map(({ coding }) => coding);
}

function weightOf(parameters: string[]): number {
  for (const parameter of parameters) {
    const match = /^q\s*=\s*([01](?:\.\d{0,3})?)$/.exec(parameter);
    if (match) return Math.min(1, Number(match[1]));
    if (parameter.startsWith("q")) return 0;
  }
  return 1;
}
