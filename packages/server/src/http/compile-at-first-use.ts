/**
 * Fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses), each
 * route's schema compiled when a request first needs it instead of at start: compiling every
 * route's schemas up front, and setting up Ajv, were about a fifth of the start. A schema that
 * does not compile fails its route's first request (a 500) instead of the start; the tests request
 * every route.
 */
import { createRequire } from "node:module";
import type AjvCompiler from "@fastify/ajv-compiler";
import serializerCompiler from "@fastify/fast-json-stringify-compiler";
import type { FastifyServerOptions } from "fastify";

type Factories = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
type ValidatorFactory = NonNullable<Factories["buildValidator"]>;
type SerializerFactory = NonNullable<Factories["buildSerializer"]>;
type Validate = ReturnType<ReturnType<ValidatorFactory>> & { errors?: unknown };

let ajv: ValidatorFactory | undefined;

/**
 * @fastify/ajv-compiler and its Ajv, loaded at the first validation (`/health` validates nothing).
 * With require: the validation that needs it cannot wait for an import().
 */
function loadAjv(): ValidatorFactory {
  const selector = createRequire(import.meta.url)("@fastify/ajv-compiler") as typeof AjvCompiler;
  return selector() as ValidatorFactory;
}

function validatorsAtFirstUse(): ValidatorFactory {
  return (externalSchemas, options) => {
    // Ajv's set-up too: it compiles the JSON Schema meta-schema to check the shared schemas.
    let compile: ReturnType<ValidatorFactory> | undefined;
    return (route) => {
      let validate: Validate | undefined;
      const atFirstUse = ((data: unknown) => {
        compile ??= (ajv ??= loadAjv())(externalSchemas, options);
        validate ??= compile(route) as Validate;
        const result = validate(data);
        // Ajv leaves a failed validation's errors on the function, where Fastify reads them.
        atFirstUse.errors = validate.errors;
        return result;
      }) as Validate;
      return atFirstUse;
    };
  };
}

function serializersAtFirstUse(build: SerializerFactory): SerializerFactory {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => (serialize ??= compile(route))(data);
    };
  };
}

/** The `schemaController` option of a Fastify instance whose schemas compile at first use. */
export const compileAtFirstUse: FastifyServerOptions["schemaController"] = {
  compilersFactory: {
    buildValidator: validatorsAtFirstUse(),
    buildSerializer: serializersAtFirstUse(serializerCompiler() as SerializerFactory),
  },
};
