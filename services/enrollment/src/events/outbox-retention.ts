import type { Db } from '@rmi/db';
import { sql } from 'kysely';

/**
 * Deletes outbox rows older than `retentionDays` that every subscriber has received. Rows kept
 * for the retention period can be replayed by resetting a cursor; rows a subscriber still waits
 * for are never touched, however old. Returns how many rows went.
 */
export async function pruneOutbox(db: Db, subscribers: readonly string[], retentionDays: number): Promise<number> {
  if (retentionDays <= 0 || subscribers.length === 0) return 0;
  const cursors = await db
    .selectFrom('enrollment.outbox_cursors')
    .select([sql<string>`delivered_xid::text`.as('xid'), 'delivered_through'])
    .where('subscriber', 'in', [...subscribers])
    .execute();
  // A subscriber without a cursor has received nothing yet.
  if (cursors.length < subscribers.length) return 0;
  const slowest = cursors.reduce((a, b) =>
    BigInt(b.xid) < BigInt(a.xid) || (b.xid === a.xid && b.delivered_through < a.delivered_through) ? b : a,
  );
  const result = await sql`
    delete from enrollment.outbox
    where created_at < now() - make_interval(days => ${retentionDays})
      and (xid, id) <= (${slowest.xid}::xid8, ${slowest.delivered_through}::bigint)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
