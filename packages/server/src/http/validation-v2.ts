/**
 * Request validation in Medusa v2's words (its zod errors, as `validate-body` words them):
 * "Invalid request: Unrecognized fields: 'foo'", "Invalid request: Field 'identifier' is required",
 * "Invalid request: Expected type: 'string' for field 'email', got: '123'".
 */

/** Marks a body schema whose errors are worded as Medusa v2's (error-handler.ts reads it). */
export const V2_KEYWORD = "x-medusa-v2";
export const V2_BODY = { [V2_KEYWORD]: true } as const;

interface FieldSchema {
  type?: string;
  anyOf?: FieldSchema[];
  properties?: Record<string, FieldSchema>;
  required?: string[];
  additionalProperties?: boolean;
  pattern?: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The JSON type a schema wants, ignoring its `null` alternative. */
function expectedType(schema: FieldSchema): string | undefined {
  if (schema.type) return schema.type;
  return schema.anyOf?.map(expectedType).find((type) => type !== undefined && type !== "null");
}

function matchesType(type: string, value: unknown): boolean {
  switch (type) {
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

const shown = (value: unknown) =>
  typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));

/** Whether `schema` is a v2 body schema. */
export const isV2Schema = (schema: unknown): boolean =>
  isPlainObject(schema) && schema[V2_KEYWORD] === true;

/** Every problem with a v2 body, as Medusa words them; undefined if there is none. */
export function describeInvalidV2(schema: unknown, body: unknown): string | undefined {
  const problems = describe(schema as FieldSchema, body, "");
  return problems.length > 0 ? `Invalid request: ${problems.join("; ")}` : undefined;
}

function describe(schema: FieldSchema, value: unknown, prefix: string): string[] {
  if (!isPlainObject(value)) {
    return [`Expected type: 'object' for field '${prefix || "body"}', got: '${shown(value)}'`];
  }
  const properties = schema.properties ?? {};
  const problems: string[] = [];
  if (schema.additionalProperties === false) {
    const unknown = Object.keys(value).filter((key) => !Object.hasOwn(properties, key));
    if (unknown.length > 0) {
      problems.push(`Unrecognized fields: ${unknown.map((key) => `'${prefix}${key}'`).join(", ")}`);
    }
  }
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    const fieldValue = value[name];
    if (fieldValue === undefined) {
      if (required.has(name)) problems.push(`Field '${path}' is required`);
      continue;
    }
    if (fieldValue === null && field.anyOf?.some((option) => option.type === "null")) continue;
    const type = expectedType(field);
    if (type && !matchesType(type, fieldValue)) {
      problems.push(`Expected type: '${type}' for field '${path}', got: '${shown(fieldValue)}'`);
    } else if (typeof fieldValue === "string" && fieldValue.includes("\u0000")) {
      problems.push(`Field '${path}' must not contain NUL characters`);
    }
  }
  return problems;
}
