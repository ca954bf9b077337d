import type { AuditLogEntry, AuditLogQuery } from '@rmi/contracts';
import type { Actor } from '@rmi/service-kit';
import type { EnrollmentDb } from '../db.js';
import { createAuditLogRepository } from './audit-log.repository.js';

/** Reading `core.audit_log`, which every change of every service writes (service-kit's change runner). */
export function createAuditLogService(deps: { db: EnrollmentDb }) {
  const log = createAuditLogRepository(deps.db);

  return Object.freeze({
    /** Who changed what, newest first; an operator sees the rows of their own region. */
    async list(actor: Actor, query: AuditLogQuery): Promise<AuditLogEntry[]> {
      const regionPrefix = actor.role === 'admin' ? undefined : (actor.regionCode ?? undefined);
      const rows = await log.list({ ...query, regionPrefix });
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
  });
}

export type AuditLogService = ReturnType<typeof createAuditLogService>;
