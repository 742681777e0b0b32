// Small pieces of Compose syntax shared by the Compose exporter's modules.

export type ComposeService = Record<string, unknown>;

/** Compose substitutes `$VAR` itself at `up` time: `$$` leaves a `$` for the container's shell. */
export function escapeDollars(text: string): string {
  return text.replaceAll("$", () => "$$");
}

export function escapeValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, escapeDollars(value)]));
}

export function conditions(entries: Record<string, string>): Record<string, { condition: string }> {
  return Object.fromEntries(Object.entries(entries).map(([name, condition]) => [name, { condition }]));
}

export function pick(values: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => values[name] !== undefined).map((name) => [name, values[name] as string]));
}
