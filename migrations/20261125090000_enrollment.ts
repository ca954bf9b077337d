import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * The enrollment service's register: households, enrolments per (person, year), what is known of
 * other insurance, bulk registration imports, targets, the outbox of events, and the read-only
 * views reporting reads. Also the `service` role for calls between services.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Service-to-service keys (payment-reconciliation applying payments, event delivery).
  await sql`alter table core.api_keys drop constraint api_keys_role_check`.execute(db);
  await sql`alter table core.api_keys add constraint api_keys_role_check check (role in
    ('admin', 'county-operator', 'township-operator', 'collector', 'department-feed', 'dashboard', 'service'))`.execute(
    db,
  );

  await db.schema
    .withSchema('enrollment')
    .createTable('households')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('region_code', 'varchar(12)', (c) => c.notNull().references('core.regions.code'))
    // 户号 as printed in the household register; optional, unique inside a village.
    .addColumn('number', 'text')
    .addColumn('head_id_number', 'char(18)')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index households_region_number_key on enrollment.households (region_code, number)
    where number is not null`.execute(db);

  await db.schema
    .withSchema('enrollment')
    .alterTable('persons')
    .addColumn('household_id', 'uuid', (c) => c.references('enrollment.households.id'))
    .addColumn('relation', 'text', (c) =>
      c.check(sql`relation in ('head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other')`),
    )
    .addColumn('school', 'text')
    .addColumn('guardian_id_number', 'char(18)')
    .addColumn('died_on', 'date')
    .execute();
  await db.schema
    .withSchema('enrollment')
    .createIndex('persons_household_idx')
    .on('persons')
    .column('household_id')
    .execute();
  await sql`alter table enrollment.households add constraint households_head_fkey
    foreign key (head_id_number) references enrollment.persons (id_number) deferrable initially deferred`.execute(db);

  // One enrolment per person per year: the primary key is the promise (and the Citus distribution
  // column leads it). Amounts, tier and identity are fixed when the payment is applied (003#五).
  await db.schema
    .withSchema('enrollment')
    .createTable('enrolments')
    .addColumn('id_number', 'char(18)', (c) => c.notNull().references('enrollment.persons.id_number'))
    .addColumn('year', 'integer', (c) => c.notNull().check(sql`year between 2000 and 2100`))
    .addColumn('region_code', 'varchar(12)', (c) => c.notNull().references('core.regions.code'))
    .addColumn('category', 'text', (c) =>
      c.notNull().defaultTo('resident').check(sql`category in ('resident', 'college-student', 'newborn')`),
    )
    .addColumn('tier', 'smallint', (c) => c.notNull().defaultTo(1).check(sql`tier in (1, 2)`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('registered').check(sql`status in ('registered', 'paid', 'cancelled', 'transferred')`),
    )
    .addColumn('basis', 'text', (c) =>
      c.notNull().defaultTo('independent').check(sql`basis in ('independent', 'guardian')`),
    )
    .addColumn('guardian_id_number', 'char(18)')
    .addColumn('student_status', 'text', (c) => c.check(sql`student_status in ('freshman', 'returning', 'graduating')`))
    .addColumn('policy_id', 'text')
    .addColumn('policy_version', 'integer')
    .addColumn('identities', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('assistance_identity', 'text')
    .addColumn('standard_fen', 'bigint')
    .addColumn('fiscal_subsidy_fen', 'bigint')
    .addColumn('assistance_fen', 'bigint')
    .addColumn('waiver_fen', 'bigint')
    .addColumn('personal_fen', 'bigint')
    .addColumn('paid_fen', 'bigint')
    .addColumn('paid_on', 'date')
    .addColumn('payment_id', 'text', (c) => c.unique())
    .addColumn('benefit_start', 'date')
    .addColumn('benefit_end', 'date')
    .addColumn('waiting_days', 'integer')
    .addColumn('reasons', 'jsonb')
    .addColumn('cancel_reason', 'text', (c) => c.check(sql`cancel_reason in ('death', 'moved', 'duplicate')`))
    .addColumn('cancelled_on', 'date')
    .addColumn('employee_cover_from', 'date')
    .addColumn('import_id', 'uuid')
    .addColumn('created_by', 'uuid', (c) => c.references('core.api_keys.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('enrolments_pkey', ['id_number', 'year'])
    .addCheckConstraint(
      'enrolments_paid_complete',
      sql`status in ('registered', 'cancelled') or (paid_on is not null and benefit_start is not null
        and benefit_end is not null and personal_fen is not null and policy_id is not null)`,
    )
    .addCheckConstraint('enrolments_cancel_complete', sql`(status = 'cancelled') = (cancel_reason is not null)`)
    .addCheckConstraint(
      'enrolments_guardian',
      sql`(basis = 'guardian') = (guardian_id_number is not null and category = 'newborn')`,
    )
    .execute();
  await db.schema
    .withSchema('enrollment')
    .createIndex('enrolments_region_year_idx')
    .on('enrolments')
    .columns(['region_code', 'year', 'status'])
    .execute();

  // Insurance held elsewhere, as county systems report it: employee insurance (职工医保) or resident
  // insurance in another region. Registering over it is a DUPLICATE_INSURANCE conflict.
  await db.schema
    .withSchema('enrollment')
    .createTable('external_coverages')
    .addColumn('id_number', 'char(18)', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('employee', 'resident-elsewhere')`))
    .addColumn('insurer', 'text', (c) => c.notNull())
    .addColumn('starts_on', 'date')
    .addColumn('reported_by', 'uuid', (c) => c.references('core.api_keys.id'))
    .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('external_coverages_pkey', ['id_number', 'year', 'kind'])
    .execute();

  await db.schema
    .withSchema('enrollment')
    .createTable('imports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('whole-file', 'valid-rows')`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('receiving')
        .check(sql`status in ('receiving', 'validating', 'applying', 'applied', 'rejected', 'failed')`),
    )
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('csv', 'xlsx')`))
    .addColumn('encoding', 'text')
    .addColumn('file_name', 'text')
    .addColumn('scope_region_code', 'varchar(12)')
    .addColumn('bytes_received', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_total', 'integer')
    .addColumn('rows_rejected', 'integer')
    .addColumn('persons_created', 'integer')
    .addColumn('enrolments_created', 'integer')
    .addColumn('rows_unchanged', 'integer')
    .addColumn('problem', 'jsonb')
    .addColumn('created_by', 'uuid', (c) => c.references('core.api_keys.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  await db.schema
    .withSchema('enrollment')
    .createTable('import_rejections')
    .addColumn('import_id', 'uuid', (c) => c.notNull().references('enrollment.imports.id').onDelete('cascade'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('reasons', sql`text[]`, (c) => c.notNull())
    // json, not jsonb: the uploader's column order is kept for the rejections download.
    .addColumn('row', 'json', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_rejections_pkey', ['import_id', 'line'])
    .execute();

  // 任务数: one target per village per year, with how its base was set.
  await db.schema
    .withSchema('core')
    .createTable('targets')
    .addColumn('region_code', 'varchar(12)', (c) => c.notNull().references('core.regions.code'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('target', 'integer', (c) => c.notNull().check(sql`target >= 0`))
    .addColumn('basis', 'text', (c) =>
      c.notNull().check(sql`basis in ('loaded', 'hukou-population', 'enrolled-on-date')`),
    )
    .addColumn('basis_date', 'date')
    .addColumn('source', 'text')
    .addColumn('set_by', 'uuid', (c) => c.references('core.api_keys.id'))
    .addColumn('set_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('targets_pkey', ['region_code', 'year'])
    .execute();

  // Transactional outbox: a state change and its event commit together; the worker delivers in id
  // order to each subscriber and moves that subscriber's cursor only past what was accepted.
  await db.schema
    .withSchema('enrollment')
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .withSchema('enrollment')
    .createTable('outbox_cursors')
    .addColumn('subscriber', 'text', (c) => c.primaryKey())
    .addColumn('delivered_through', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Events received by reporting, kept by id so a redelivery changes nothing.
  await db.schema
    .withSchema('reporting')
    .createTable('received_events')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('received_events_pkey', ['source', 'id'])
    .execute();

  // What reporting reads: one row per enrolment with the region path and the effective status
  // (a paid enrolment is waiting before its benefit start, covered inside the benefit period,
  // ended after it). Dates are Asia/Shanghai: every connection runs in that time zone.
  await sql`
    create view enrollment.v_enrollment_facts as
    select e.id_number, e.year, e.region_code as village_code,
           left(e.region_code, 9) as township_code, left(e.region_code, 6) as county_code,
           e.category, e.tier, e.basis, e.status as stored_status,
           case
             when e.status <> 'paid' then e.status
             when current_date < e.benefit_start then 'waiting'
             when current_date > e.benefit_end then 'ended'
             else 'covered'
           end as status,
           e.assistance_identity, e.identities, e.standard_fen, e.fiscal_subsidy_fen, e.assistance_fen,
           e.waiver_fen, e.personal_fen, e.paid_fen, e.paid_on, e.benefit_start, e.benefit_end,
           e.waiting_days, e.policy_id, e.cancel_reason, e.cancelled_on, e.employee_cover_from,
           p.sex, p.birth_date, p.category as person_category, e.created_at, e.updated_at
    from enrollment.enrolments e
    join enrollment.persons p using (id_number)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view if exists enrollment.v_enrollment_facts`.execute(db);
  await db.schema.withSchema('reporting').dropTable('received_events').execute();
  await db.schema.withSchema('enrollment').dropTable('outbox_cursors').execute();
  await db.schema.withSchema('enrollment').dropTable('outbox').execute();
  await db.schema.withSchema('core').dropTable('targets').execute();
  await db.schema.withSchema('enrollment').dropTable('import_rejections').execute();
  await db.schema.withSchema('enrollment').dropTable('imports').execute();
  await db.schema.withSchema('enrollment').dropTable('external_coverages').execute();
  await db.schema.withSchema('enrollment').dropTable('enrolments').execute();
  await sql`alter table enrollment.households drop constraint households_head_fkey`.execute(db);
  await db.schema
    .withSchema('enrollment')
    .alterTable('persons')
    .dropColumn('household_id')
    .dropColumn('relation')
    .dropColumn('school')
    .dropColumn('guardian_id_number')
    .dropColumn('died_on')
    .execute();
  await db.schema.withSchema('enrollment').dropTable('households').execute();
  await sql`alter table core.api_keys drop constraint api_keys_role_check`.execute(db);
  await sql`alter table core.api_keys add constraint api_keys_role_check check (role in
    ('admin', 'county-operator', 'township-operator', 'collector', 'department-feed', 'dashboard'))`.execute(db);
}
