import type { FieldError } from '@rmi/contracts';
import { sendProblem } from '@rmi/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getOperationAST, parse } from 'graphql';

/**
 * Refuses, before mercurius reads it, a GraphQL request that is no request at all, with 400
 * `VALIDATION_FAILED` and every bad field listed. Mercurius takes these for a program error
 * (graphql-js asserts on them) and the answer would be 200 INTERNAL_ERROR:
 * - no document, or an empty one;
 * - a document that is JSON (`9`, `[1]`): failing to parse it as GraphQL, mercurius takes the JSON
 *   for a parsed document;
 * - GET `variables` that are not a JSON object;
 * - an `operationName` the document does not define (mercurius looks the operation up unchecked).
 * Only a request naming an operation has its document parsed here; dashboards name none.
 */
export async function guardGraphqlRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.routeOptions.url !== '/graphql') return;
  const get = request.method === 'GET';
  const fields = get ? request.query : request.body;
  // A body that is no object is mercurius' own schema refusal (or an array, refused as a batch).
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) return;
  const { query, variables, operationName } = fields as Record<string, unknown>;
  const where = get ? 'querystring' : 'body';
  const errors: FieldError[] = [];
  let document: string | undefined;
  if (typeof query !== 'string' || query.trim() === '')
    errors.push({ path: `${where}.query`, message: 'A GraphQL document is required.' });
  else if (isJson(query)) errors.push({ path: `${where}.query`, message: 'The document is JSON, not GraphQL.' });
  else document = query;
  if (get && typeof variables === 'string' && !isJsonObject(variables))
    errors.push({ path: 'querystring.variables', message: 'Variables must be a JSON object.' });
  if (document !== undefined && typeof operationName === 'string' && !definesOperation(document, operationName))
    errors.push({
      path: `${where}.operationName`,
      message: `The document defines no operation named "${operationName}".`,
    });
  if (errors.length > 0)
    return void sendProblem(reply, request, 400, 'VALIDATION_FAILED', 'The GraphQL request is invalid.', { errors });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Whether the document names that operation; a document that does not parse is mercurius' to refuse. */
function definesOperation(document: string, operationName: string): boolean {
  try {
    return getOperationAST(parse(document), operationName) !== null;
  } catch {
    return true;
  }
}
