import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * Outbox rows carry the id of the transaction that wrote them, and cursors remember the last
 * (transaction, id) delivered.
 *
 * A cursor on the id alone loses events: ids are handed out when a row is inserted, not when its
 * transaction commits, so a transaction holding id 5 may commit after one holding id 6 has been
 * delivered, and the cursor is already past 5. A row whose transaction id is below the oldest
 * transaction still running (`pg_snapshot_xmin`) can never be joined by another row with a smaller
 * (transaction, id): reading in that order up to that horizon misses nothing. Transactions that
 * follow one another are still delivered in the order they ran.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Rows already there all get this migration's transaction id, so among them id order is kept.
  await sql`alter table enrollment.outbox add column xid xid8 not null default pg_current_xact_id()`.execute(db);
  await db.schema
    .withSchema('enrollment')
    .createIndex('outbox_xid_id_idx')
    .on('outbox')
    .columns(['xid', 'id'])
    .execute();
  await sql`alter table enrollment.outbox_cursors add column delivered_xid xid8 not null default '0'`.execute(db);
  // A cursor that had delivered through id N keeps its place: (that xid, N) is below the rows after N.
  await sql`update enrollment.outbox_cursors
    set delivered_xid = coalesce((select xid from enrollment.outbox order by xid limit 1), '0'::xid8)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table enrollment.outbox_cursors drop column delivered_xid`.execute(db);
  await db.schema.withSchema('enrollment').dropIndex('outbox_xid_id_idx').execute();
  await sql`alter table enrollment.outbox drop column xid`.execute(db);
}
