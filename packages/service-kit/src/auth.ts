import type { Role } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from './actor.js';
import { type ApiKeysRepository, createApiKeysRepository, hashKey, type Principal } from './api-keys.repository.js';
import { AppError, ForbiddenRoleError, OutOfScopeError, UnauthenticatedError } from './errors.js';

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
  row: NonNullable<Awaited<ReturnType<ApiKeysRepository['findByHash']>>>;
  until: number;
}

const STAMP_EVERY_MS = 60_000;
const CACHE_LIMIT = 10_000;
// Keys are 192 random bits: a key nobody has been given cannot become valid later except by being
// created, and a created key is new to every cache. So an unknown key stays unknown for a minute
// whatever AUTH_CACHE_MS says, and a client hammering with one costs no database lookups.
const UNKNOWN_FOR_MS = 60_000;
const FAILURE_WINDOW_MS = 60_000;

export interface AuthOptions {
  db: Db;
  cacheMs?: number;
  /** Failed authentications (no key, unknown or revoked key) one address may make per minute. */
  failuresPerMinute?: number;
}

async function auth(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const keys = createApiKeysRepository(opts.db);
  const cacheMs = opts.cacheMs ?? 0;
  const failureLimit = opts.failuresPerMinute ?? 60;
  // Keyed by the hash, never the key: a heap dump must not hand out working keys. Known and
  // unknown keys are kept apart, so a flood of random keys cannot push the known ones out.
  const cache = new Map<string, CachedKey>();
  const unknown = new Map<string, number>();
  // Failed authentications per address in the current window. The per-key rate limit only counts
  // requests whose key checked out; this one stops an address before its next key is looked up.
  const failures = new Map<string, { count: number; since: number }>();
  // last_used_at is shown at minute precision, so one stamp per key per minute is enough.
  const stamped = new Map<string, number>();
  app.decorateRequest('principal', null);
  app.decorate('forgetApiKeys', () => {
    cache.clear();
    unknown.clear();
  });

  function failuresOf(address: string, now: number) {
    const entry = failures.get(address);
    if (entry && entry.since + FAILURE_WINDOW_MS > now) return entry;
    if (failures.size >= CACHE_LIMIT) failures.clear();
    const fresh = { count: 0, since: now };
    failures.set(address, fresh);
    return fresh;
  }

  async function lookup(hash: string, now: number): Promise<CachedKey['row'] | undefined> {
    const row = await keys.findByHash(hash);
    if (!row) {
      if (unknown.size >= CACHE_LIMIT) unknown.clear();
      unknown.set(hash, now + UNKNOWN_FOR_MS);
      return undefined;
    }
    if (cacheMs > 0) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(hash, { row, until: now + cacheMs });
    }
    return row;
  }

  async function authenticate(request: FastifyRequest): Promise<void> {
    const now = Date.now();
    const key = bearer(request);
    const hash = key === undefined ? undefined : hashKey(key);
    const hit = hash === undefined ? undefined : cache.get(hash);
    let row = hit && hit.until > now ? hit.row : undefined;
    if (!row) {
      const failed = failuresOf(request.ip, now);
      if (failed.count >= failureLimit) {
        const seconds = Math.ceil((failed.since + FAILURE_WINDOW_MS - now) / 1000);
        throw new AppError(
          429,
          'RATE_LIMITED',
          `Too many requests without a valid API key from this address (${failureLimit} a minute); retry in ${seconds} s.`,
          { retryAfterSeconds: seconds },
        );
      }
      const known = hash !== undefined && (unknown.get(hash) ?? 0) <= now ? await lookup(hash, now) : undefined;
      if (!known || known.revoked_at) {
        failed.count++;
        throw new UnauthenticatedError(known ? 'KEY_REVOKED' : 'UNAUTHENTICATED');
      }
      row = known;
    }
    if (row.revoked_at) throw new UnauthenticatedError('KEY_REVOKED');
    request.principal = {
      keyId: row.id,
      name: row.name,
      role: row.role,
      regionCode: row.region_code,
      department: row.department,
    };
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

/**
 * A route's `onRequest` hook allowing only the listed roles (admin is always allowed). It runs
 * right after the key is checked, before the body is read or validated: a key of the wrong role
 * learns nothing about the route's fields, and its upload is never parsed.
 */
export function requireRole(...roles: Role[]): onRequestAsyncHookHandler {
  return allowRoles(roles.includes('admin') ? roles : ['admin', ...roles]);
}

/**
 * Like `requireRole`, but admin is not implied: for routes only other services call (applying a
 * payment, receiving events), where a person's key has no business even as an administrator.
 */
export function requireOnlyRoles(...roles: Role[]): onRequestAsyncHookHandler {
  return allowRoles(roles);
}

function allowRoles(allowed: readonly Role[]): onRequestAsyncHookHandler {
  return async (request) => {
    const p = principalOf(request);
    if (!allowed.includes(p.role)) throw new ForbiddenRoleError(p.role, allowed);
  };
}

/** The part of a caller (a Principal, or the Actor domain code is given) that scope is decided on. */
type Scope = Pick<Actor, 'role' | 'regionCode'>;

/**
 * Whether a region (division code) lies inside the key's region; codes nest by prefix. A caller
 * without a key (role null) has no scope at all.
 */
export function regionInScope(scope: Scope, regionCode: string): boolean {
  if (scope.role === 'admin' || scope.role === 'service') return true;
  if (!scope.regionCode) return scope.role === 'department-feed';
  return regionCode.startsWith(scope.regionCode);
}

export function assertRegionInScope(scope: Scope, regionCode: string, what?: string): void {
  if (!regionInScope(scope, regionCode)) throw new OutOfScopeError(what);
}
