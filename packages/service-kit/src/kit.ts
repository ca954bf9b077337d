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
import nulGuard from './nul-guard.js';
import problemHandler, { sendProblem } from './problem-handler.js';
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
    // A URL the router cannot take (a path parameter past maxParamLength, a malformed escape)
    // is answered before any hook runs; give it our problem shape instead of fastify's own.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      return sendProblem(
        reply,
        request,
        tooLong ? 414 : 400,
        tooLong ? 'PATH_TOO_LONG' : 'MALFORMED_URL',
        tooLong ? 'A path segment of the URL is too long.' : 'The URL cannot be decoded.',
      );
    },
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
  await app.register(nulGuard);
  await app.register(docs, { service: opts.service, version: VERSION, description: opts.description });
  await app.register(auth, {
    db: opts.db,
    cacheMs: opts.config.AUTH_CACHE_MS,
    failuresPerMinute: opts.config.AUTH_FAILURES_PER_MINUTE,
  });
  // After auth, so a request is counted against its key (by id: the key itself is never held as a
  // map key); public routes count by address. Requests without a valid key never get here: auth
  // limits those by address before it looks a key up.
  await app.register(rateLimit, {
    max: opts.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: '1 minute',
    keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, ctx) =>
      new AppError(
        429,
        'RATE_LIMITED',
        `Rate limit of ${ctx.max} requests a minute exceeded; retry in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s.`,
        { retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)) },
      ),
  });
  await app.register(health, {
    db: opts.db,
    service: opts.service,
    version: VERSION,
    timeoutMs: opts.config.READY_TIMEOUT_MS,
  });
  await app.register(whoami);
}

export default fp(serviceKit, { name: 'rmi-service-kit', fastify: '5.x' });
