import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance } from 'fastify';

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
