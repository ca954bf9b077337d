import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/** Targets as enrollment publishes them for reporting, beside enrollment.v_enrollment_facts. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create view enrollment.v_targets as
    select region_code as village_code, year, target, basis, basis_date
    from core.targets`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view enrollment.v_targets`.execute(db);
}
