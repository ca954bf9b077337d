import type { FieldError } from '@rmi/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ValidationError } from './errors.js';

const MAX_REPORTED = 100;
// No body of ours nests deeper than a few levels; a deeper one would exhaust the stack of this walk
// (and of every reader after it), a 500 instead of a refusal.
const MAX_DEPTH = 64;

/** Paths of every string (or object key) holding a NUL character, as `body.a.0.b`. */
function nulPaths(value: unknown, path: string, found: FieldError[], depth = 0): void {
  if (found.length >= MAX_REPORTED) return;
  if (depth > MAX_DEPTH && value && typeof value === 'object') {
    found.push({ path, message: `nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  if (typeof value === 'string') {
    if (value.includes('\0')) found.push({ path, message: 'contains a NUL character' });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) nulPaths(item, `${path}.${i}`, found, depth + 1);
    return;
  }
  // Parsed JSON and query strings (whose objects have no Object prototype); upload streams and
  // buffers are left to their readers.
  if (
    value &&
    typeof value === 'object' &&
    !Buffer.isBuffer(value) &&
    typeof (value as { pipe?: unknown }).pipe !== 'function'
  ) {
    for (const [key, item] of Object.entries(value as object)) {
      if (key.includes('\0'))
        found.push({ path: `${path}.${key.replaceAll('\0', '\\0')}`, message: 'name contains a NUL character' });
      nulPaths(item, `${path}.${key}`, found, depth + 1);
    }
  }
}

/**
 * PostgreSQL text cannot hold a NUL character, so a NUL anywhere in a JSON body, the query string
 * or a path parameter would surface as a database error deep in a use case. Refused up front as
 * 400 VALIDATION_FAILED with every such field listed, for every route of every service. Uploads
 * (streams) are not looked at here: their reader reports a NUL with its line. A value nested
 * deeper than MAX_DEPTH is refused the same way.
 */
async function nulGuard(app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    const found: FieldError[] = [];
    nulPaths(request.params, 'params', found);
    nulPaths(request.query, 'querystring', found);
    nulPaths(request.body, 'body', found);
    done(found.length ? new ValidationError(found) : undefined);
  });
}

export default fp(nulGuard, { name: 'rmi-nul-guard', fastify: '5.x' });
