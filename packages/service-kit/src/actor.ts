import type { Role } from '@rmi/contracts';
import type { FastifyRequest } from 'fastify';

/**
 * Who asks for a use case, as domain code sees them: the key, its role and scope, and the request
 * to quote in the audit log. Domain code takes this instead of a request, so it can be called
 * (and tested) without fastify, and a route cannot hand it anything else of the request.
 */
export interface Actor {
  keyId: string | null;
  role: Role | null;
  regionCode: string | null;
  department: string | null;
  requestId: string;
}

/** The only place a request becomes an Actor. A public route's caller has no key: every field but the request id is null. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal;
  return {
    keyId: principal?.keyId ?? null,
    role: principal?.role ?? null,
    regionCode: principal?.regionCode ?? null,
    department: principal?.department ?? null,
    requestId: String(request.id),
  };
}
