import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

const SCHEMAS = ['core', 'enrollment', 'identity', 'payment', 'reporting'];

export async function up(db: Kysely<any>): Promise<void> {
  for (const schema of SCHEMAS) await db.schema.createSchema(schema).ifNotExists().execute();

  // Division tree. GB/T 2260 codes (2/4/6 digits) plus township (9) and village (12) suffixes, so
  // "inside a region" is a prefix test on the code.
  await db.schema
    .withSchema('core')
    .createTable('regions')
    .addColumn('code', 'varchar(12)', (c) =>
      c.primaryKey().check(sql`code ~ '^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$'`),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) =>
      c.notNull().check(sql`level in ('province', 'city', 'county', 'township', 'village')`),
    )
    .addColumn('parent_code', 'varchar(12)', (c) => c.references('core.regions.code'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('regions_parent_is_prefix', sql`parent_code is null or starts_with(code, parent_code)`)
    .execute();
  await db.schema
    .withSchema('core')
    .createIndex('regions_parent_code_idx')
    .on('regions')
    .column('parent_code')
    .execute();

  await db.schema
    .withSchema('core')
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`role in ('admin', 'county-operator', 'township-operator', 'collector', 'department-feed', 'dashboard')`,
        ),
    )
    .addColumn('region_code', 'varchar(12)', (c) => c.references('core.regions.code'))
    .addColumn('department', 'text')
    // sha256 of the secret: keys carry 192 bits of entropy, so a slow hash buys nothing.
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid', (c) => c.references('core.api_keys.id'))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute();

  await db.schema
    .withSchema('core')
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('actor_key_id', 'uuid', (c) => c.references('core.api_keys.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    // Never a raw ID number: person entities are logged by their masked form.
    .addColumn('entity_id', 'text')
    .addColumn('region_code', 'varchar(12)')
    .addColumn('request_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .withSchema('core')
    .createIndex('audit_log_entity_idx')
    .on('audit_log')
    .columns(['entity', 'entity_id'])
    .execute();
  await db.schema
    .withSchema('core')
    .createIndex('audit_log_region_idx')
    .on('audit_log')
    .columns(['region_code', 'at'])
    .execute();

  // Persons, the first slice of the enrollment service's register (issue #5 extends it).
  await db.schema
    .withSchema('enrollment')
    .createTable('persons')
    .addColumn('id_number', 'char(18)', (c) => c.primaryKey().check(sql`id_number ~ '^[0-9]{17}[0-9X]$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sex', 'text', (c) => c.notNull().check(sql`sex in ('male', 'female')`))
    .addColumn('birth_date', 'date', (c) => c.notNull())
    .addColumn('hukou_region_code', 'varchar(12)', (c) => c.notNull().references('core.regions.code'))
    .addColumn('category', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`category in ('resident', 'student', 'college-student', 'newborn', 'residence-permit', 'foreign-permanent-resident', 'hk-macau-taiwan')`,
        ),
    )
    .addColumn('phone', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .withSchema('enrollment')
    .createIndex('persons_region_name_idx')
    .on('persons')
    .columns(['hukou_region_code', 'name'])
    .execute();

  // The identity types of contracts/identity-types.md: one code per identity in every service.
  await db.schema
    .withSchema('identity')
    .createTable('identity_types')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('labels', sql`text[]`, (c) => c.notNull())
    .addColumn('department', 'text', (c) => c.notNull())
    .addColumn('cq_assistance_code', 'text')
    .execute();

  await db.schema
    .withSchema('payment')
    .createTable('channels')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('online', 'offline', 'cash')`))
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();

  // What reporting reads of the division tree: one row per region with its child count.
  await sql`
    create view reporting.v_regions as
    select r.code, r.name, r.level, r.parent_code,
           (select count(*) from core.regions c where c.parent_code = r.code) as child_count
    from core.regions r
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const schema of [...SCHEMAS].reverse()) await db.schema.dropSchema(schema).ifExists().cascade().execute();
}
