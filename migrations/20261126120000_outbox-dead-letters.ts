import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * Dead letters of enrollment's outbox: a batch a subscriber refused `OUTBOX_MAX_ATTEMPTS` times is
 * set aside here and the subscriber's cursor moves past it, so its later events go on.
 *
 * `events` is a copy for people to read, ID numbers masked; a retry sends the outbox rows named by
 * `event_ids`, which retention keeps while a dead letter still waits for them. `refusals` counts the
 * answers that refused the batch itself (a bad request, a crash on it), apart from `attempts`,
 * which also counts the times the subscriber was away.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table enrollment.outbox_cursors add column refusals integer not null default 0`.execute(db);
  await db.schema
    .withSchema('enrollment')
    .createTable('outbox_dead_letters')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('subscriber', 'text', (c) => c.notNull())
    .addColumn('event_ids', sql`bigint[]`, (c) => c.notNull().check(sql`cardinality(event_ids) > 0`))
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text', (c) => c.notNull())
    .addColumn('set_aside_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('redelivered_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // What an operator lists, and what retention must keep: the ones still waiting.
  await sql`create index outbox_dead_letters_waiting_idx on enrollment.outbox_dead_letters (subscriber, id)
    where redelivered_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('enrollment').dropTable('outbox_dead_letters').execute();
  await sql`alter table enrollment.outbox_cursors drop column refusals`.execute(db);
}
