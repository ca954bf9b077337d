import type { Db } from '@rmi/db';
import { principalOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  service: z.string(),
  actorKeyId: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  regionCode: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export default async function auditLogRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/audit-log',
    {
      onRequest: requireRole('county-operator', 'township-operator'),
      schema: {
        tags: ['audit'],
        summary: 'Who changed what, newest first; operators see their own region',
        querystring: z.object({
          entity: z.string().optional(),
          action: z.string().optional(),
          before: z.coerce.number().int().positive().optional().describe('page: entries with a smaller id'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.array(AuditEntrySchema) },
      },
    },
    async (request) => {
      const { entity, action, before, limit } = request.query;
      const principal = principalOf(request);
      let q = opts.db.selectFrom('core.audit_log').selectAll().orderBy('id', 'desc').limit(limit);
      if (entity) q = q.where('entity', '=', entity);
      if (action) q = q.where('action', '=', action);
      if (before) q = q.where('id', '<', before);
      if (principal.role !== 'admin' && principal.regionCode)
        q = q.where('region_code', 'like', `${principal.regionCode}%`);
      const rows = await q.execute();
      return rows.map((row) => ({
        id: row.id,
        at: row.at.toISOString(),
        service: row.service,
        actorKeyId: row.actor_key_id,
        action: row.action,
        entity: row.entity,
        entityId: row.entity_id,
        regionCode: row.region_code,
        requestId: row.request_id,
        details: row.details,
      }));
    },
  );
}
