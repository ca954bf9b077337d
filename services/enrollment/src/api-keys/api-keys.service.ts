import type { ApiKey, CreateApiKeyBody, CreatedApiKey } from '@rmi/contracts';
import { type Actor, createApiKeysRepository, NotFoundError, UnprocessableError } from '@rmi/service-kit';
import { asSharedDb, type EnrollmentDb, type RunChange } from '../db.js';
import { createRegionsRepository } from '../regions/regions.repository.js';
import { scopeProblems } from './scope-rules.js';

type KeyRow = Awaited<ReturnType<ReturnType<typeof createApiKeysRepository>['list']>>[number];

const toApiKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  role: row.role,
  regionCode: row.region_code,
  department: row.department,
  keyPrefix: row.key_prefix,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

/**
 * API keys (contracts/auth.md): created with a role and a scope, shown once, revoked for good.
 * `forgetKeys` drops this process's cache of looked-up keys, so a revocation here takes effect at
 * once (other replicas within AUTH_CACHE_MS).
 */
export function createApiKeysService(deps: { db: EnrollmentDb; change: RunChange; forgetKeys: () => void }) {
  const { change } = deps;
  const keys = createApiKeysRepository(asSharedDb(deps.db));
  const regions = createRegionsRepository(deps.db);

  return Object.freeze({
    async create(actor: Actor, body: CreateApiKeyBody): Promise<CreatedApiKey> {
      const problems = scopeProblems(body);
      if (body.regionCode && problems.length === 0 && !(await regions.exists(body.regionCode))) {
        problems.push(`region ${body.regionCode} is not loaded`);
      }
      if (problems.length) {
        throw new UnprocessableError('SCOPE_INVALID', problems.join('; '), {
          errors: problems.map((message) => ({ path: 'body', message })),
        });
      }
      const created = await change(actor, async ({ trx, audit }) => {
        const row = await createApiKeysRepository(asSharedDb(trx)).create({ ...body, createdBy: actor.keyId });
        audit({
          action: 'api-key.create',
          entity: 'api-key',
          entityId: row.id,
          regionCode: row.region_code,
          details: { role: row.role, department: row.department, name: row.name },
        });
        return row;
      });
      return {
        id: created.id,
        key: created.key,
        name: created.name,
        role: created.role,
        regionCode: created.region_code,
        department: created.department,
        createdAt: created.created_at.toISOString(),
      };
    },

    /** Every key, never its secret. */
    async list(): Promise<ApiKey[]> {
      return (await keys.list()).map(toApiKey);
    },

    /** Revokes a key; revoking one already revoked changes nothing. */
    async revoke(actor: Actor, id: string): Promise<void> {
      const revoked = await change(actor, async ({ trx, audit }) => {
        const row = await createApiKeysRepository(asSharedDb(trx)).revoke(id);
        if (row) audit({ action: 'api-key.revoke', entity: 'api-key', entityId: id });
        return row;
      });
      if (!revoked && !(await keys.exists(id))) throw new NotFoundError('API_KEY_NOT_FOUND', `No API key ${id}.`);
      deps.forgetKeys();
    },
  });
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
