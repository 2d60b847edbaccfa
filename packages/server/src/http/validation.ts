/**
 * Request validation in class-validator's words. Ajv (through Fastify) is the fast gate; when it
 * rejects a body, `describeInvalidBody` walks the route's schema and phrases every problem the
 * way Medusa v1 does: unknown properties first, then each field in declaration order.
 */
// The one function, not the whole library (loading all of validator.js slows the start).
import isEmailModule from "validator/lib/isEmail.js";

const isEmail = isEmailModule.default;

/** The class-validator checks a schema field carries, under the `x-checks` keyword. */
export type Check = "isEmail" | "isString" | "isNotEmpty" | "isObject" | "isAddressOrId" | "noNul";

export const CHECKS_KEYWORD = "x-checks";

interface FieldSchema {
  [CHECKS_KEYWORD]?: Check[];
  properties?: Record<string, FieldSchema>;
  required?: string[];
  /** For `isAddressOrId`: the schema of the object form. */
  "x-object"?: FieldSchema;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Medusa's email rule: validator.js isEmail with default options (no trimming), met also by the
 * NFKC form that is stored (so `a﹫b@example.com` cannot become `a@b@example.com`).
 */
export const isValidEmail = (value: unknown): value is string => {
  try {
    return typeof value === "string" && isEmail(value) && isEmail(value.normalize("NFKC"));
  } catch {
    // isEmail throws on lone surrogates (encodeURI): such a string is no email.
    return false;
  }
};

function fieldMessages(schema: FieldSchema, value: unknown, path: string): string[] {
  const messages: string[] = [];
  for (const check of schema[CHECKS_KEYWORD] ?? []) {
    switch (check) {
      case "isEmail":
        if (!isValidEmail(value)) messages.push(`${path} must be an email`);
        break;
      case "isString":
        if (typeof value !== "string") messages.push(`${path} must be a string`);
        break;
      case "noNul":
        if (typeof value === "string" && value.includes("\u0000")) {
          messages.push(`${path} must not contain NUL characters`);
        }
        break;
      case "isNotEmpty":
        if (value === "" || value === null || value === undefined)
          messages.push(`${path} should not be empty`);
        break;
      case "isObject":
        if (!isPlainObject(value)) messages.push(`${path} must be an object`);
        else if (schema.properties) messages.push(...describeObject(schema, value, `${path}.`));
        break;
      case "isAddressOrId":
        if (isPlainObject(value) && schema["x-object"]) {
          messages.push(...describeObject(schema["x-object"], value, `${path}.`));
        } else if (typeof value !== "string") {
          messages.push(`${path} must be an address object or the id of one of your addresses`);
        }
        break;
    }
  }
  return messages;
}

function describeObject(schema: FieldSchema, value: unknown, prefix: string): string[] {
  const body = isPlainObject(value) ? value : {};
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const unknown = Object.keys(body)
    .filter((key) => !Object.hasOwn(properties, key))
    .map((key) => `property ${prefix}${key} should not exist`);
  const invalid: string[] = [];
  for (const [name, field] of Object.entries(properties)) {
    const fieldValue = body[name];
    // class-validator's IsOptional: an absent or null optional field is not checked.
    if (!required.has(name) && (fieldValue === undefined || fieldValue === null)) continue;
    invalid.push(...fieldMessages(field, fieldValue, `${prefix}${name}`));
  }
  return [...unknown, ...invalid];
}

/** Every problem with a body, joined with ", " as Medusa does; undefined if the schema finds none. */
export function describeInvalidBody(schema: unknown, body: unknown): string | undefined {
  const messages = describeObject(schema as FieldSchema, body, "");
  if (messages.length === 0 && !isPlainObject(body))
    messages.push("the request body must be a JSON object");
  return messages.length > 0 ? messages.join(", ") : undefined;
}

/** How deeply a request body may nest (metadata included): far beyond any real use. */
export const MAX_BODY_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `limit` (iterative: no recursion to overflow). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A UTF-16 surrogate without its other half (only a JSON `\ud800` escape can make one). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Whether a JSON text has a surrogate escape at all (the common body has none: no walk). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Replaces lone surrogates with U+FFFD in every string and key of a parsed JSON body, as UTF-8
 * would: each backend stores them differently otherwise. Called after the depth check.
 */
export function withWellFormedStrings(json: string, value: unknown): unknown {
  if (!SURROGATE_ESCAPE.test(json)) return value;
  const fix = (item: unknown): unknown => {
    if (typeof item === "string") return item.replace(LONE_SURROGATE, "\uFFFD");
    if (Array.isArray(item)) return item.map(fix);
    if (typeof item !== "object" || item === null) return item;
    return Object.fromEntries(Object.entries(item).map(([key, child]) => [fix(key), fix(child)]));
  };
  return fix(value);
}
