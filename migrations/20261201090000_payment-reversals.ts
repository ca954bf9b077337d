import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * Payments reversed (冲正): a reversal clears the payment from its enrolment (registered again, to
 * be paid anew), so what was reversed is kept here, keyed by payment id. It answers a repeated
 * reversal (idempotent), and refuses to apply a reversed payment id again. Keyed by the payment
 * alone, a uniqueness without the person: a small table written in the enrolment's transaction
 * (on Citus a local table, like the outbox), with no foreign keys to the distributed register.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('enrollment')
    .createTable('payment_reversals')
    .addColumn('payment_id', 'text', (c) => c.primaryKey())
    .addColumn('id_number', 'char(18)', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('region_code', 'varchar(12)', (c) => c.notNull())
    .addColumn('paid_fen', 'bigint')
    .addColumn('paid_on', 'date')
    .addColumn('reversed_on', 'date', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('reversed_by', 'uuid')
    .addColumn('reversed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .withSchema('enrollment')
    .createIndex('payment_reversals_enrolment_idx')
    .on('payment_reversals')
    .columns(['id_number', 'year'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('enrollment').dropTable('payment_reversals').execute();
}
