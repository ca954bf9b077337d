import {
  ApiKeySchema,
  type CreateApiKeyBody,
  CreateApiKeyBodySchema,
  CreatedApiKeySchema,
  ProblemSchema,
} from '@rmi/contracts';
import type { Db } from '@rmi/db';
import {
  createApiKeysRepository,
  NotFoundError,
  principalOf,
  recordAudit,
  requireRole,
  UnprocessableError,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createRegionsRepository } from '../../repositories/regions.repository.js';

/** Region level each role's scope must name (contracts/auth.md). */
const SCOPE_LEVEL: Record<string, { digits: number[]; label: string }> = {
  'county-operator': { digits: [6], label: 'a county (6 digits)' },
  'township-operator': { digits: [9], label: 'a township (9 digits)' },
  collector: { digits: [12], label: 'a village (12 digits)' },
  dashboard: { digits: [2, 4, 6, 9, 12], label: 'a region' },
  'department-feed': { digits: [2, 4, 6, 9, 12], label: 'a region, if any' },
};

function scopeProblems(body: CreateApiKeyBody): string[] {
  const problems: string[] = [];
  const level = SCOPE_LEVEL[body.role];
  if (body.role === 'admin' || body.role === 'service') {
    if (body.regionCode) problems.push(`an ${body.role} key has no regionCode`);
    if (body.department) problems.push(`an ${body.role} key has no department`);
    return problems;
  }
  if (body.role === 'department-feed') {
    if (!body.department) problems.push('a department-feed key needs a department');
  } else if (body.department) {
    problems.push(`a ${body.role} key has no department`);
  }
  if (level && body.role !== 'department-feed' && !body.regionCode)
    problems.push(`a ${body.role} key needs ${level.label}`);
  if (level && body.regionCode && !level.digits.includes(body.regionCode.length)) {
    problems.push(`a ${body.role} key is scoped to ${level.label}, not ${body.regionCode}`);
  }
  return problems;
}

const toApiKey = (row: {
  id: string;
  name: string;
  role: z.infer<typeof ApiKeySchema>['role'];
  region_code: string | null;
  department: string | null;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}) => ({
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

export default async function apiKeyRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const keys = createApiKeysRepository(opts.db);
  const regions = createRegionsRepository(opts.db);
  const adminOnly = requireRole('admin');

  r.post(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key bound to a role and scope; the key is shown only in this answer',
        body: CreateApiKeyBodySchema,
        response: { 201: CreatedApiKeySchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const problems = scopeProblems(body);
      if (body.regionCode && problems.length === 0 && !(await regions.exists(body.regionCode))) {
        problems.push(`region ${body.regionCode} is not loaded`);
      }
      if (problems.length) {
        throw new UnprocessableError('SCOPE_INVALID', problems.join('; '), {
          errors: problems.map((message) => ({ path: 'body', message })),
        });
      }
      const created = await opts.db.transaction().execute(async (trx) => {
        const row = await createApiKeysRepository(trx).create({ ...body, createdBy: principalOf(request).keyId });
        await recordAudit(trx, 'enrollment', request, {
          action: 'api-key.create',
          entity: 'api-key',
          entityId: row.id,
          regionCode: row.region_code,
          details: { role: row.role, department: row.department, name: row.name },
        });
        return row;
      });
      return reply.code(201).send({
        id: created.id,
        key: created.key,
        name: created.name,
        role: created.role,
        regionCode: created.region_code,
        department: created.department,
        createdAt: created.created_at.toISOString(),
      });
    },
  );

  r.get(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api keys'],
        summary: 'List keys (never their secrets)',
        response: { 200: z.array(ApiKeySchema) },
      },
    },
    async () => (await keys.list()).map(toApiKey),
  );

  r.delete(
    '/v1/api-keys/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api keys'],
        summary: 'Revoke a key; its next use answers 401 KEY_REVOKED',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const revoked = await opts.db.transaction().execute(async (trx) => {
        const row = await createApiKeysRepository(trx).revoke(id);
        if (row)
          await recordAudit(trx, 'enrollment', request, { action: 'api-key.revoke', entity: 'api-key', entityId: id });
        return row;
      });
      if (!revoked && !(await keys.exists(id))) throw new NotFoundError('API_KEY_NOT_FOUND', `No API key ${id}.`);
      app.forgetApiKeys();
      return reply.code(204).send(null);
    },
  );
}
