import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * A route that takes a file as its raw body (a stream, never validated as JSON): its media types
 * and what the file holds, so OpenAPI declares the body and Swagger UI offers an upload.
 */
export interface UploadConfig {
  mediaTypes: readonly string[];
  description: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    upload?: UploadConfig;
  }
}

const isZod = (value: unknown) => typeof value === 'object' && value !== null && '_zod' in value;

/**
 * zod schemas become OpenAPI; plain JSON schemas (mercurius' routes) pass through as they are.
 * Upload routes get a binary request body in the documentation only: validation never sees it.
 */
const transform: typeof jsonSchemaTransform = (input) => {
  const { schema } = input;
  const parts = schema
    ? [schema.body, schema.querystring, schema.params, schema.headers, ...Object.values(schema.response ?? {})]
    : [];
  const out = parts.some(isZod) ? jsonSchemaTransform(input) : { schema, url: input.url };
  const upload = input.route.config?.upload;
  if (!upload) return out;
  return {
    ...out,
    schema: {
      ...out.schema,
      consumes: [...upload.mediaTypes],
      body: { type: 'string', format: 'binary', description: upload.description },
    },
  };
};

async function docs(
  app: FastifyInstance,
  opts: { service: string; version: string; description: string },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: opts.service, version: opts.version, description: opts.description },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer <key>' },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Swagger UI sets style attributes from script (collapsing models, highlighting); scripts
    // stay limited to its own files.
    transformStaticCSP: (header) => header.replace(/style-src ([^;]*)/, "style-src $1 'unsafe-inline'"),
  });
}

export default fp(docs, { name: 'rmi-docs', fastify: '5.x' });
