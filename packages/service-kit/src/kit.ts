import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { Db } from '@rmi/db';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import auth from './auth.js';
import type { BaseConfig } from './config.js';
import { AppError } from './errors.js';
import health from './health.js';
import { loggerOptions } from './logging.js';
import problemHandler from './problem-handler.js';
import securityHeaders from './security-headers.js';
import docs from './swagger.js';
import whoami from './whoami.js';

export const VERSION = '0.1.0';

/** Options for `Fastify()`: the same for servers and tests, so tests exercise real limits. */
export function serverOptions(service: string, config: BaseConfig): FastifyServerOptions {
  return {
    logger: config.LOG_LEVEL === 'silent' ? false : loggerOptions(service, config.LOG_LEVEL),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.REQUEST_TIMEOUT_MS + 5_000,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  };
}

/** A fastify instance with zod validation and serialisation wired in. */
export function createServer(service: string, config: BaseConfig): FastifyInstance {
  const app = Fastify(serverOptions(service, config));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  return app;
}

export interface ServiceKitOptions {
  service: string;
  description: string;
  db: Db;
  config: BaseConfig;
}

/**
 * Everything a service shares: security headers, rate limits, problem+json errors, API-key auth,
 * OpenAPI with Swagger UI at /docs, and /health + /ready.
 */
async function serviceKit(app: FastifyInstance, opts: ServiceKitOptions): Promise<void> {
  await app.register(securityHeaders);
  await app.register(problemHandler);
  await app.register(rateLimit, {
    max: opts.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: '1 minute',
    keyGenerator: (request) => request.headers.authorization ?? request.ip,
    errorResponseBuilder: (_request, ctx) =>
      new AppError(429, 'RATE_LIMITED', `Rate limit of ${ctx.max} requests per ${ctx.after} exceeded.`),
  });
  await app.register(docs, { service: opts.service, version: VERSION, description: opts.description });
  await app.register(auth, { db: opts.db, cacheMs: opts.config.AUTH_CACHE_MS });
  await app.register(health, {
    db: opts.db,
    service: opts.service,
    version: VERSION,
    timeoutMs: opts.config.READY_TIMEOUT_MS,
  });
  await app.register(whoami);
}

export default fp(serviceKit, { name: 'rmi-service-kit', fastify: '5.x' });
