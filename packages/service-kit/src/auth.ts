import type { Role } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { createApiKeysRepository, type Principal } from './api-keys.repository.js';
import { ForbiddenRoleError, OutOfScopeError, UnauthenticatedError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set for every route that is not public. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Routes that need no API key (quotes, health, docs). */
    public?: boolean;
  }
}

const PUBLIC_PREFIXES = ['/health', '/ready', '/docs', '/graphiql'];

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

async function auth(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const keys = createApiKeysRepository(opts.db);
  app.decorateRequest('principal', null);

  // Deny by default: every route needs a key unless it says `config: { public: true }`.
  app.addHook('onRequest', async (request) => {
    if (request.is404 || request.routeOptions.config?.public) return;
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const key = bearer(request);
    if (!key) throw new UnauthenticatedError();
    const row = await keys.findByKey(key);
    if (!row) throw new UnauthenticatedError();
    if (row.revoked_at) throw new UnauthenticatedError('KEY_REVOKED');
    request.principal = {
      keyId: row.id,
      name: row.name,
      role: row.role,
      regionCode: row.region_code,
      department: row.department,
    };
    keys.touch(row.id).catch((err) => request.log.warn({ err }, 'could not stamp key use'));
  });
}

export default fp(auth, { name: 'rmi-auth', fastify: '5.x' });

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError();
  return request.principal;
}

/** preHandler allowing only the listed roles (admin is always allowed). */
export function requireRole(...roles: Role[]): preHandlerAsyncHookHandler {
  const allowed: Role[] = roles.includes('admin') ? roles : ['admin', ...roles];
  return async (request) => {
    const p = principalOf(request);
    if (!allowed.includes(p.role)) throw new ForbiddenRoleError(p.role, allowed);
  };
}

/** Whether a region (division code) lies inside the key's region; codes nest by prefix. */
export function regionInScope(principal: Principal, regionCode: string): boolean {
  if (principal.role === 'admin') return true;
  if (!principal.regionCode) return principal.role === 'department-feed';
  return regionCode.startsWith(principal.regionCode);
}

export function assertRegionInScope(principal: Principal, regionCode: string, what?: string): void {
  if (!regionInScope(principal, regionCode)) throw new OutOfScopeError(what);
}
