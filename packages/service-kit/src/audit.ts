import type { AuditLogTable } from '@rmi/db';
import { maskIdNumbersIn, maskIdNumbersInJson } from '@rmi/rules';
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Actor } from './actor.js';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId?: string | null;
  regionCode?: string | null;
  details?: Record<string, unknown>;
}

/** The tables an audit row needs; any service's narrowed database that has them will do. */
export interface AuditDatabase {
  'core.audit_log': AuditLogTable;
}

/** The row of an entry. ID numbers are masked on the way in, wherever they appear. */
export function auditRow(service: string, actor: Actor, entry: AuditEntry): Insertable<AuditLogTable> {
  return {
    service,
    actor_key_id: actor.keyId,
    action: entry.action,
    entity: entry.entity,
    entity_id: entry.entityId ? maskIdNumbersIn(entry.entityId) : null,
    region_code: entry.regionCode ?? null,
    request_id: actor.requestId,
    details: maskIdNumbersInJson(JSON.stringify(entry.details ?? {})),
  };
}

/**
 * Records who changed what. Pass the transaction that made the change so the audit row commits
 * with it; a change run through `createChangeRunner` does this itself (`change.audit(…)`).
 */
export async function recordAudit<DB extends AuditDatabase>(
  db: Kysely<DB> | Transaction<DB>,
  service: string,
  actor: Actor,
  entry: AuditEntry,
): Promise<void> {
  // Kysely is invariant in its tables: a service's narrowed database is seen through the one table written here.
  await (db as unknown as Kysely<AuditDatabase>)
    .insertInto('core.audit_log')
    .values(auditRow(service, actor, entry))
    .execute();
}
