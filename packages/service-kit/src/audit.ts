import type { Database } from '@rmi/db';
import { maskIdNumbersIn } from '@rmi/rules';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId?: string | null;
  regionCode?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Records who changed what. Pass the transaction that made the change so the audit row commits
 * with it. ID numbers are masked on the way in, wherever they appear.
 */
export async function recordAudit(
  db: Kysely<Database>,
  service: string,
  request: Pick<FastifyRequest, 'id' | 'principal'>,
  entry: AuditEntry,
): Promise<void> {
  await db
    .insertInto('core.audit_log')
    .values({
      service,
      actor_key_id: request.principal?.keyId ?? null,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId ? maskIdNumbersIn(entry.entityId) : null,
      region_code: entry.regionCode ?? null,
      request_id: String(request.id),
      details: maskIdNumbersIn(JSON.stringify(entry.details ?? {})),
    })
    .execute();
}
