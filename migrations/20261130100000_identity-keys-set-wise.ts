import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * A county's list is a million rows, and each batch writes one row per change and per new spell:
 * per-row foreign-key triggers on `batch_changes.batch_id` and `spells.identity_code` were about 8 s
 * of a first snapshot of 1,000,000 rows (identity-feed benchmark). What keeps the references true
 * without them: a batch's changes are written in the transaction that creates the batch, and are
 * removed only by code (a discard); batches are never deleted. Identity codes come from `rules`
 * (resolveIdentities), whose table is what `identity.identity_types` is seeded from at every start,
 * and a code is never removed from it (identity-types.md: add, never rename).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table identity.batch_changes drop constraint batch_changes_batch_id_fkey`.execute(db);
  await sql`alter table identity.spells drop constraint spells_identity_code_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table identity.spells add constraint spells_identity_code_fkey
    foreign key (identity_code) references identity.identity_types (code)`.execute(db);
  await sql`alter table identity.batch_changes add constraint batch_changes_batch_id_fkey
    foreign key (batch_id) references identity.batches (id) on delete cascade`.execute(db);
}
