import { AuditLogEntrySchema, AuditLogQuerySchema } from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLogService } from '../../audit-log/audit-log.service.js';

export default async function auditLogRoutes(app: FastifyInstance, opts: { auditLog: AuditLogService }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/audit-log',
    {
      onRequest: requireRole('county-operator', 'township-operator'),
      schema: {
        tags: ['audit'],
        summary: 'Who changed what, newest first; operators see their own region',
        querystring: AuditLogQuerySchema,
        response: { 200: z.array(AuditLogEntrySchema) },
      },
    },
    async (request) => opts.auditLog.list(actorOf(request), request.query),
  );
}
