import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance, FastifySerializerCompiler } from 'fastify';
import { z } from 'zod';

/**
 * Routes of our own are described by zod, but third-party plugins (mercurius) bring plain JSON
 * schemas. Inside the scope that registers such a plugin, give fastify back its own compilers.
 */
export function useJsonSchemaCompilers(app: FastifyInstance): void {
  const validators = AjvCompiler()(
    {},
    { customOptions: { coerceTypes: 'array', removeAdditional: true, useDefaults: true } },
  );
  const serializers = SerializerSelector()({}, {});
  app.setValidatorCompiler(validators);
  app.setSerializerCompiler(serializers as Parameters<FastifyInstance['setSerializerCompiler']>[0]);
}

/**
 * For hot routes: the route's zod response schemas, turned into JSON Schema once and compiled by
 * fast-json-stringify. Like zod's serialiser it writes only the declared properties, but it does
 * not re-validate what the route built, which on the public quote route cost a tenth of a request.
 */
export function fastResponseSerializer(): FastifySerializerCompiler<unknown> {
  const compile = SerializerSelector()({}, {});
  return ({ schema, method, url, httpStatus }) => {
    const json = z.toJSONSchema(schema as z.ZodType, { target: 'draft-7', io: 'output', unrepresentable: 'any' });
    return compile({ schema: json, method, url, httpStatus: httpStatus ?? '200' });
  };
}
