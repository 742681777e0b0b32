import * as z from "zod";

// Every field of berth.yml is described once, beside its schema: the description feeds the JSON
// Schema (editor help), `expected` and `hint` feed the diagnostics, so the two never drift apart.

export interface FieldInfo {
  /** What a valid value looks like, phrased to follow "expected": "a whole number (0 or more)". */
  expected: string;
  /** What to write instead, shown under the diagnostic. */
  hint: string;
  /** A better message and hint for particular wrong values (e.g. `database: postgres`). */
  explain?: (input: unknown) => { message: string; hint: string } | undefined;
}

export const fieldInfo = z.registry<FieldInfo>();

export interface FieldDocs extends FieldInfo {
  description: string;
  title?: string;
  default?: unknown;
  examples?: unknown[];
}

/** Attaches JSON Schema metadata and diagnostic wording to a schema. */
export function field<T extends z.ZodType>(schema: T, docs: FieldDocs): T {
  const { expected, hint, explain, ...jsonSchemaMeta } = docs;
  const described = schema.meta(jsonSchemaMeta) as T;
  fieldInfo.add(described, { expected, hint, explain });
  return described;
}

/** The schema that validates the value at `path`, or undefined when the path leaves the schema. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = root;
  for (const segment of path) {
    current = current && childSchema(current, segment);
  }
  return current;
}

/** Info for the value at `path`, or for the nearest enclosing field that has some. */
export function infoAt(root: z.ZodType, path: readonly PropertyKey[]): FieldInfo | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const info = infoFor(schemaAt(root, path.slice(0, length)));
    if (info) return info;
  }
  return undefined;
}

/** Info for a schema, looking through optional wrappers. */
export function infoFor(schema: z.ZodType | undefined): FieldInfo | undefined {
  for (const layer of layers(schema)) {
    const info = fieldInfo.get(layer);
    if (info) return info;
  }
  return undefined;
}

/** Keys an object schema at `path` accepts, for "did you mean" on unknown keys. */
export function allowedKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const object = objectIn(schemaAt(root, path));
  return object ? Object.keys(object.shape) : [];
}

/** The schema that validates a record's keys, for problems with map keys such as service names. */
export function recordKeySchemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  for (const layer of layers(schemaAt(root, path))) {
    if (layer instanceof z.ZodRecord) return layer.keyType as unknown as z.ZodType;
  }
  return undefined;
}

function childSchema(schema: z.ZodType, segment: PropertyKey): z.ZodType | undefined {
  for (const layer of layers(schema)) {
    if (layer instanceof z.ZodRecord) return layer.valueType as z.ZodType;
    if (layer instanceof z.ZodArray) return layer.element as z.ZodType;
    if (layer instanceof z.ZodObject) return layer.shape[String(segment)] as z.ZodType | undefined;
    if (layer instanceof z.ZodUnion) {
      for (const option of layer.options as z.ZodType[]) {
        const child = childSchema(option, segment);
        if (child) return child;
      }
    }
  }
  return undefined;
}

/** The object schema among a schema's layers, looking into unions (database: sqlite | {...}). */
function objectIn(schema: z.ZodType | undefined): z.ZodObject | undefined {
  for (const layer of layers(schema)) {
    if (layer instanceof z.ZodObject) return layer;
    if (layer instanceof z.ZodUnion) {
      for (const option of layer.options as z.ZodType[]) {
        const object = objectIn(option);
        if (object) return object;
      }
    }
  }
  return undefined;
}

/** A schema and what it wraps: optional(nullable(x)) yields all three, outermost first. */
function* layers(schema: z.ZodType | undefined): Generator<z.ZodType> {
  let current = schema;
  while (current) {
    yield current;
    current = current instanceof z.ZodOptional || current instanceof z.ZodNullable ? (current.unwrap() as z.ZodType) : undefined;
  }
}
