import type { FieldError } from '@rmi/contracts';
import { databaseTrouble } from '@rmi/db';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own client errors, given codes of ours so clients never see framework names. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * The code of ours for a framework's client error (4xx): fastify's body refusals by name, a rate
 * limit, else BAD_REQUEST. For scopes that answer errors themselves (GraphQL) in the same words.
 */
export function clientErrorCode(error: { code?: unknown; statusCode?: unknown }): string {
  const known = typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  return known ?? (error.statusCode === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST');
}

export function problemType(code: string): string {
  return `urn:rmi:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  const body = {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    instance: request.url.split('?')[0],
    requestId: String(request.id),
    ...extra,
  };
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

function validationErrors(error: FastifyError): FieldError[] {
  if (!hasZodFastifySchemaValidationErrors(error)) return [];
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  return error.validation.map((v) => {
    const segments = v.instancePath.split('/').filter(Boolean);
    const params = v.params as { issue?: { code?: string } } | undefined;
    return {
      path: [context, ...segments].join('.'),
      message: v.message ?? 'invalid',
      ...(params?.issue?.code ? { code: params.issue.code } : {}),
    };
  });
}

/**
 * Every error a route throws, answered as problem+json: ours with their code, bad fields listed,
 * database trouble as 503 with `Retry-After`, a framework's client errors with our code, anything
 * else 500 with the message withheld. Exported for scopes with an error handler of their own
 * (GraphQL), so what is not theirs is answered as everywhere else.
 */
export function replyWithProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof AppError) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed');
    if (typeof error.extra.retryAfterSeconds === 'number')
      reply.header('retry-after', String(error.extra.retryAfterSeconds));
    return sendProblem(reply, request, error.status, error.code, error.message, error.extra);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return sendProblem(reply, request, 400, 'VALIDATION_FAILED', 'The request has invalid fields.', {
      errors: validationErrors(error),
    });
  }
  const trouble = databaseTrouble(error);
  if (trouble) {
    // One line at warn, without the query: enough for an operator to see load shedding happen.
    request.log.warn(
      { code: (error as { code?: unknown }).code, reason: trouble, message: error.message },
      trouble === 'busy' ? 'database busy: request shed' : 'database unavailable',
    );
    reply.header('retry-after', trouble === 'busy' ? '1' : '5');
    return trouble === 'busy'
      ? sendProblem(reply, request, 503, 'DATABASE_BUSY', 'The database is busy; retry shortly.')
      : sendProblem(reply, request, 503, 'DATABASE_UNAVAILABLE', 'The database cannot be reached; retry shortly.');
  }
  if (!isResponseSerializationError(error) && error.statusCode && error.statusCode < 500) {
    return sendProblem(reply, request, error.statusCode, clientErrorCode(error), error.message);
  }
  // Anything else may carry database or stack details: log it whole, answer generically.
  request.log.error({ err: error }, 'unexpected error');
  return sendProblem(
    reply,
    request,
    500,
    'INTERNAL_ERROR',
    'An unexpected error occurred. Quote the request id when reporting it.',
  );
}

async function problemHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler(replyWithProblem);

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`),
  );
}

export default fp(problemHandler, { name: 'rmi-problem-handler', fastify: '5.x' });
