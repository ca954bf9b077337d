import { maskIdNumbersIn } from '@rmi/rules';
import { replyWithProblem, sendProblem } from '@rmi/service-kit';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type GraphQLError, GraphQLError as GraphQLErrorClass } from 'graphql';
import mercurius from 'mercurius';

type ErrorFormatter = typeof mercurius.defaultErrorFormatter;

/** What mercurius throws for a request refused before execution: bad body, syntax or validation. */
const REFUSED = 'MER_ERR_GQL_VALIDATION';

const codeOf = (error: GraphQLError): unknown => error.extensions?.code;

/** Mercurius' own client errors, in our words. */
const MERCURIUS_CODES: Record<string, string> = {
  MER_ERR_METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND: 'VALIDATION_FAILED',
};

/**
 * Errors thrown in the GraphQL scope outside execution. A document refused by validation or by
 * its cost carries GraphQL's shape (`extensions`, or mercurius' validation error) and is answered
 * as GraphQL through the formatter. Everything else is not the document's: what fastify refuses on
 * the way in (a body that is not JSON, too large, of another type), GET of a mutation, a key that
 * cannot be checked because the database is down. That is answered as problem+json, as every other
 * route answers it (503 `DATABASE_UNAVAILABLE`, 415, 413 …).
 */
export async function handleGraphqlError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const graphql = error instanceof GraphQLErrorClass || 'extensions' in error || error.code === REFUSED;
  if (!graphql) {
    const code = typeof error.code === 'string' ? MERCURIUS_CODES[error.code] : undefined;
    if (code && error.statusCode) {
      if (error.statusCode === 405) reply.header('allow', 'POST');
      sendProblem(reply, request, error.statusCode, code, error.message);
    } else replyWithProblem(error, request, reply);
    return;
  }
  const graphqlError =
    error instanceof GraphQLErrorClass ? error : new GraphQLErrorClass(error.message, { originalError: error });
  const { statusCode, response } = formatGraphqlErrors({ errors: [graphqlError] }, { reply } as never);
  reply.code(statusCode).send(response);
}

/**
 * Every GraphQL error carries a code (contracts/reporting.md), and none carries what it should
 * not:
 * - a request refused before execution answers 400 (mercurius answers 200 when a document breaks
 *   several rules at once: it counts errors, not their kind), and an error of it without a code
 *   of its own (a syntax error, an unknown field, a wrong variable) reads `VALIDATION_FAILED`;
 * - an error a resolver raised on purpose (`ErrorWithProps` with a code) passes as it is;
 * - anything else thrown during execution (a database error) may carry SQL or personal data: it
 *   is logged whole with the request id and answered as `INTERNAL_ERROR`, message withheld.
 */
export const formatGraphqlErrors: ErrorFormatter = (execution, context) => {
  const refused = execution.errors.some((error) => (error.originalError as { code?: unknown })?.code === REFUSED);
  if (refused) {
    // mercurius unpacks the refusal into its rule errors here; each gets a code if it has none.
    const formatted = mercurius.defaultErrorFormatter(execution, context);
    const errors = (formatted.response.errors ?? []).map((error) =>
      error.extensions?.code !== undefined
        ? error
        : { ...error, extensions: { ...error.extensions, code: 'VALIDATION_FAILED' } },
    );
    return { statusCode: 400, response: { ...formatted.response, errors } };
  }
  const errors = execution.errors.map((error) => {
    if (codeOf(error) !== undefined) return error;
    // No original error: graphql-js itself refused something at execution (a variable, a type).
    if (!error.originalError) return withCode(error, error.message, 'VALIDATION_FAILED');
    context.reply?.request.log.error(
      { err: error.originalError, path: error.path },
      `graphql resolver failed: ${maskIdNumbersIn(error.message)}`,
    );
    return withCode(error, 'An unexpected error occurred. Quote the request id when reporting it.', 'INTERNAL_ERROR', {
      requestId: String(context.reply?.request.id ?? ''),
    });
  });
  return mercurius.defaultErrorFormatter({ ...execution, errors }, context);
};

function withCode(
  error: GraphQLError,
  message: string,
  code: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLErrorClass(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code, ...extra },
  });
}
