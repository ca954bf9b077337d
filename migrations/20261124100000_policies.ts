import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * Policy documents, one per (jurisdiction, year), versioned: a load never overwrites, it adds the
 * next version, and the highest version of an id is in force.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('core')
    .createTable('policies')
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^[a-z0-9][a-z0-9-]*$'`))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version > 0`))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('region_codes', sql`text[]`, (c) => c.notNull())
    .addColumn('document', 'jsonb', (c) => c.notNull())
    .addColumn('loaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('loaded_by', 'uuid', (c) => c.references('core.api_keys.id'))
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('built-in', 'api')`))
    .addPrimaryKeyConstraint('policies_pkey', ['id', 'version'])
    .execute();
  await db.schema.withSchema('core').createIndex('policies_year_idx').on('policies').column('year').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('core').dropTable('policies').execute();
}
