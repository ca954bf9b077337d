import { type Kysely, sql } from 'kysely';
import { tableRef, tablesIn } from './outbox-tables.js';

/**
 * Deletes outbox rows older than `retentionDays` that every subscriber has received. Rows kept
 * for the retention period can be replayed by resetting a cursor; rows a subscriber still waits
 * for are never touched, however old, nor rows a dead letter not yet redelivered will send.
 * Redelivered dead letters go after the same period. Returns how many outbox rows went.
 */
export async function pruneOutbox(
  db: Kysely<any>,
  schema: string,
  subscribers: readonly string[],
  retentionDays: number,
): Promise<number> {
  if (retentionDays <= 0 || subscribers.length === 0) return 0;
  const cursors = await tablesIn(db, schema)
    .selectFrom('outbox_cursors')
    .select([sql<string>`delivered_xid::text`.as('xid'), 'delivered_through'])
    .where('subscriber', 'in', [...subscribers])
    .execute();
  // A subscriber without a cursor has received nothing yet.
  if (cursors.length < subscribers.length) return 0;
  const slowest = cursors.reduce((a, b) =>
    BigInt(b.xid) < BigInt(a.xid) || (b.xid === a.xid && b.delivered_through < a.delivered_through) ? b : a,
  );
  const result = await sql`
    delete from ${tableRef(schema, 'outbox')} o
    where o.created_at < now() - make_interval(days => ${retentionDays})
      and (o.xid, o.id) <= (${slowest.xid}::xid8, ${slowest.delivered_through}::bigint)
      and not exists (
        select from ${tableRef(schema, 'outbox_dead_letters')} d
        where d.redelivered_at is null and o.id = any(d.event_ids))`.execute(db);
  await tablesIn(db, schema)
    .deleteFrom('outbox_dead_letters')
    .where('redelivered_at', '<', sql<Date>`now() - make_interval(days => ${retentionDays})`)
    .execute();
  return Number(result.numAffectedRows ?? 0);
}
