/** Field builders: one TypeBox definition gives Ajv validation, types, OpenAPI and messages. */
import { Type, type TSchema } from "@sinclair/typebox";
import { CHECKS_KEYWORD, type Check } from "../validation.js";

const checks = (list: Check[]) => ({ [CHECKS_KEYWORD]: list });

export const EMAIL_FORMAT = "medusa-email";

/** Text stored in the database: PostgreSQL cannot hold NUL characters, so none are accepted. */
const NO_NUL = "^[^\\u0000]*$";

export const Email = (description = "Email address") =>
  Type.String({
    format: EMAIL_FORMAT,
    pattern: NO_NUL,
    description,
    ...checks(["isEmail", "noNul"]),
  });

export const Str = (description?: string) =>
  Type.String({
    pattern: NO_NUL,
    ...(description && { description }),
    ...checks(["isString", "noNul"]),
  });

/** Any non-empty JSON value (Medusa's IsNotEmpty on the login password). */
export const NotEmpty = (description?: string) =>
  Type.Unsafe<unknown>({
    not: { enum: ["", null] },
    ...(description && { description }),
    ...checks(["isNotEmpty"]),
  });

export const Metadata = () =>
  Type.Record(Type.String(), Type.Unknown(), {
    description:
      'Key-value data; keys are merged into the existing metadata and a key set to "" is removed',
    ...checks(["isObject"]),
  });

/**
 * An optional field that also accepts `null`, as class-validator's IsOptional does. For profile
 * and address strings `null` clears the value; elsewhere it means "leave unchanged".
 */
export const Opt = <T extends TSchema>(schema: T) => {
  const {
    [CHECKS_KEYWORD]: fieldChecks,
    description,
    ...rest
  } = schema as TSchema & {
    [CHECKS_KEYWORD]?: Check[];
    description?: string;
  };
  void rest;
  return Type.Optional(
    Type.Union([schema, Type.Null()], {
      ...(description && { description }),
      ...(fieldChecks && checks(fieldChecks)),
      ...("x-object" in schema && { "x-object": schema["x-object"] }),
    }),
  );
};

/** A closed object (unknown properties are refused, as Medusa's forbidNonWhitelisted does). */
/** A request body: only the listed fields; `examples` show in the OpenAPI document. */
export const Body = <T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  description?: string,
  examples?: Array<Record<string, unknown>>,
) =>
  Type.Object(properties, {
    additionalProperties: false,
    ...(description && { description }),
    ...(examples && { examples }),
  });

export const Nested = <T extends TSchema>(schema: T) =>
  Type.Unsafe<T["static"]>({ ...schema, ...checks(["isObject"]) });
