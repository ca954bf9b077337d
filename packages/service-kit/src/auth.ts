import type { Role } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { type ApiKeysRepository, createApiKeysRepository, hashKey, type Principal } from './api-keys.repository.js';
import { ForbiddenRoleError, OutOfScopeError, UnauthenticatedError } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Forgets cached key lookups, so a revocation on this service takes effect at once. */
    forgetApiKeys(): void;
  }
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

interface CachedKey {
  row: Awaited<ReturnType<ApiKeysRepository['findByHash']>>;
  until: number;
}

const STAMP_EVERY_MS = 60_000;
const CACHE_LIMIT = 10_000;

async function auth(app: FastifyInstance, opts: { db: Db; cacheMs?: number }): Promise<void> {
  const keys = createApiKeysRepository(opts.db);
  const cacheMs = opts.cacheMs ?? 0;
  // Keyed by the hash, never the key: a heap dump must not hand out working keys. Unknown keys are
  // cached too, so a client hammering with a wrong key costs no more than one with a right one.
  const cache = new Map<string, CachedKey>();
  // last_used_at is shown at minute precision, so one stamp per key per minute is enough.
  const stamped = new Map<string, number>();
  app.decorateRequest('principal', null);
  app.decorate('forgetApiKeys', () => cache.clear());

  async function lookup(key: string): Promise<CachedKey['row']> {
    const hash = hashKey(key);
    const now = Date.now();
    const hit = cache.get(hash);
    if (hit && hit.until > now) return hit.row;
    const row = await keys.findByHash(hash);
    if (cacheMs > 0) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(hash, { row, until: now + cacheMs });
    }
    return row;
  }

  async function authenticate(request: FastifyRequest): Promise<void> {
    const key = bearer(request);
    if (!key) throw new UnauthenticatedError();
    const row = await lookup(key);
    if (!row) throw new UnauthenticatedError();
    if (row.revoked_at) throw new UnauthenticatedError('KEY_REVOKED');
    request.principal = {
      keyId: row.id,
      name: row.name,
      role: row.role,
      regionCode: row.region_code,
      department: row.department,
    };
    const now = Date.now();
    if ((stamped.get(row.id) ?? 0) + STAMP_EVERY_MS <= now) {
      stamped.set(row.id, now);
      keys.touch(row.id).catch((err) => request.log.warn({ err }, 'could not stamp key use'));
    }
  }

  // Deny by default: every route needs a key unless it says `config: { public: true }`. A callback
  // hook, so public routes (quotes) pay no promise for it.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.is404 || request.routeOptions.config?.public) return done();
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return done();
    authenticate(request).then(() => done(), done);
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
  if (principal.role === 'admin' || principal.role === 'service') return true;
  if (!principal.regionCode) return principal.role === 'department-feed';
  return regionCode.startsWith(principal.regionCode);
}

export function assertRegionInScope(principal: Principal, regionCode: string, what?: string): void {
  if (!regionInScope(principal, regionCode)) throw new OutOfScopeError(what);
}
