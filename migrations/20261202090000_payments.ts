import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * payment-reconciliation's tables (contracts/payments.md): payments from every channel (the table
 * is also the queue of payments to apply to enrollment), their reversals, imports of tax, channel
 * and assistance-batch exports with their row errors, reconciliation runs and their items, the
 * cash ledger (receipts and deposits), and the service's outbox. Also two more columns on
 * `enrollment.v_enrollment_facts` (the person's name and death day) for reconciliation.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Imports come first: a payment names the import that brought it.
  await sql`
    create table payment.imports (
      id uuid primary key default gen_random_uuid(),
      source text not null check (source in ('tax', 'channel', 'assistance-batch')),
      year integer not null,
      status text not null check (status in ('computing', 'applied', 'dry-run', 'unchanged', 'rejected', 'failed')),
      dry_run boolean not null default false,
      scope_region_code text,
      content_sha256 text not null,
      format text not null check (format in ('csv', 'xlsx')),
      encoding text,
      file_name text,
      rows integer not null default 0,
      counts jsonb not null default '{}',
      failure text,
      created_by text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index imports_listing_idx on payment.imports (created_at desc)`.execute(db);

  // Each bad row of an import once, with every problem on it (line, column, code) and its cells.
  await sql`
    create table payment.import_errors (
      import_id uuid not null references payment.imports (id) on delete cascade,
      line integer not null,
      errors jsonb not null,
      cells jsonb not null,
      primary key (import_id, line)
    )`.execute(db);

  // One payment as it arrived. Its content is what the payer sent (person, year, tier, amounts,
  // instant): the same (channel, voucher) with the same content is the same payment, with other
  // content VOUCHER_REUSED. The row is also the payment's place in the queue to enrollment:
  // `recorded` waits to be applied (next_attempt_at), `applied` was accepted, `parked` was refused
  // with problem_code until retried. The checks use no regular expression: one per row cost a bulk
  // insert more than an index (a bounded repetition like `{17}` more than the rest of the insert).
  // An id is made here (a uuid, or `<import>:<line>`), and enrollment's payment id rule holds its
  // characters when it is applied. No per-row foreign keys (each cost a third of an import's
  // insert): the channel is looked up before any write (UNKNOWN_CHANNEL; channels are only ever
  // added), and an imported payment is written in the transaction that writes its import.
  await sql`
    create table payment.payments (
      id text primary key default gen_random_uuid()::text check (length(id) between 1 and 100),
      channel text not null,
      voucher_number text not null check (length(voucher_number) between 1 and 100),
      id_number char(18) not null check (length(id_number) = 18 and ltrim(id_number, '0123456789') in ('', 'X')),
      year integer not null,
      tier smallint check (tier in (1, 2)),
      amount_fen bigint not null check (amount_fen >= 0),
      assistance_fen bigint not null default 0 check (assistance_fen >= 0),
      paid_at timestamptz not null,
      paid_on date not null,
      village_code varchar(12),
      payer_name text,
      source text not null check (source in ('api', 'tax', 'channel', 'assistance-batch', 'cash')),
      import_id uuid,
      line integer,
      tax_office_code text,
      assistance_category text,
      request_batch text,
      idempotency_key text,
      status text not null default 'recorded' check (status in ('recorded', 'applied', 'parked')),
      problem_code text,
      problem_detail text,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      applied_at timestamptz,
      recorded_by text,
      recorded_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint payments_voucher_key unique (channel, voucher_number)
    )`.execute(db);
  // Every index is paid for by each row an import records (a county's year is a million rows), so
  // there is one per way the service reads payments, no more:
  //   idempotency  an API retry finds its payment (partial: imported rows have no key, cost nothing)
  //   queue        the applier's claim of due `recorded` payments
  //   person       reconciliation's and the listing's payments of a person (id_number, year)
  //   village      listings by region and year, reconciliation's payments of a region without an
  //                enrolment there, assistance totals (year, village range); a status filter is
  //                read from these rows rather than kept in an index of its own
  //   paid_on      channel summaries of a span of days: a BRIN, since payments arrive about in the
  //                order they were paid (the API as they come, exports sorted by time), at next to
  //                no cost per row where a btree cost as much as the person index
  await sql`create unique index payments_idempotency_idx on payment.payments (recorded_by, idempotency_key)
    where idempotency_key is not null`.execute(db);
  await sql`create index payments_queue_idx on payment.payments (next_attempt_at) where status = 'recorded'`.execute(
    db,
  );
  await sql`create index payments_person_idx on payment.payments (id_number, year)`.execute(db);
  await sql`create index payments_village_idx on payment.payments (year, village_code)`.execute(db);
  await sql`create index payments_paid_on_idx on payment.payments using brin (paid_on) with (pages_per_range = 16)`.execute(
    db,
  );

  // A reversal (冲正) of one payment. Enrollment is told (told_at) only once the payment had been
  // applied there; a payment reversed before it was applied is never applied.
  await sql`
    create table payment.reversals (
      payment_id text primary key references payment.payments (id),
      reversed_at timestamptz not null,
      reversed_on date not null,
      reason text not null,
      voucher_number text,
      source text not null check (source in ('api', 'tax', 'channel', 'assistance-batch', 'cash')),
      import_id uuid references payment.imports (id),
      line integer,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      problem_code text,
      told_at timestamptz,
      recorded_by text,
      recorded_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index reversals_untold_idx on payment.reversals (next_attempt_at) where told_at is null`.execute(db);

  // A reconciliation run: stored once, never changed. Items hold one row per person-year; notes
  // say what the run could not judge (no assistance table, no policy).
  await sql`
    create table payment.reconciliation_runs (
      id uuid primary key default gen_random_uuid(),
      region_code text not null,
      year integer not null,
      as_of timestamptz not null,
      counts jsonb not null,
      totals jsonb not null,
      notes jsonb not null default '[]',
      created_by text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index reconciliation_runs_region_idx on payment.reconciliation_runs (region_code, year, created_at desc)`.execute(
    db,
  );
  await sql`
    create table payment.reconciliation_items (
      run_id uuid not null references payment.reconciliation_runs (id) on delete cascade,
      id_number char(18) not null,
      name text,
      village_code varchar(12),
      class text not null,
      expected_fen bigint,
      paid_fen bigint not null,
      owed_fen bigint,
      payment_ids text[] not null,
      primary key (run_id, id_number)
    )`.execute(db);
  await sql`create index reconciliation_items_class_idx on payment.reconciliation_items (run_id, class, id_number)`.execute(
    db,
  );

  // The cash ledger (000 附件3 item 5). A deposit banks a set of receipts; each receipt is also a
  // payment on channel `cash` (payment_id).
  await sql`
    create table payment.cash_deposits (
      id uuid primary key default gen_random_uuid(),
      bank_slip_number text not null unique,
      collector_key_id uuid,
      collector_name text not null,
      region_code text,
      deposited_at timestamptz not null,
      deposited_on date not null,
      amount_fen bigint not null check (amount_fen > 0),
      recorded_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table payment.cash_receipts (
      receipt_number text primary key check (length(receipt_number) between 1 and 100),
      payment_id text not null unique references payment.payments (id),
      collector_key_id uuid,
      collector_name text not null,
      village_code varchar(12),
      id_number char(18) not null,
      year integer not null,
      tier smallint not null check (tier in (1, 2)),
      amount_fen bigint not null check (amount_fen > 0),
      received_at timestamptz not null,
      received_on date not null,
      payer_name text,
      agent_name text,
      deposit_id uuid references payment.cash_deposits (id),
      recorded_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index cash_receipts_undeposited_idx on payment.cash_receipts (village_code, received_on)
    where deposit_id is null`.execute(db);
  await sql`create index cash_receipts_collector_idx on payment.cash_receipts (collector_name, received_on)`.execute(
    db,
  );

  // The outbox, as every publisher keeps it (@rmi/outbox).
  await sql`
    create table payment.outbox (
      id bigserial primary key,
      topic text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      xid xid8 not null default pg_current_xact_id()
    )`.execute(db);
  await sql`create index outbox_xid_id_idx on payment.outbox (xid, id)`.execute(db);
  await sql`
    create table payment.outbox_cursors (
      subscriber text primary key,
      delivered_through bigint not null default 0,
      delivered_xid xid8 not null default '0',
      attempts integer not null default 0,
      refusals integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table payment.outbox_dead_letters (
      id bigserial primary key,
      subscriber text not null,
      event_ids bigint[] not null check (cardinality(event_ids) > 0),
      events jsonb not null,
      attempts integer not null,
      last_error text not null,
      set_aside_at timestamptz not null default now(),
      redelivered_at timestamptz,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index outbox_dead_letters_waiting_idx on payment.outbox_dead_letters (subscriber, id)
    where redelivered_at is null`.execute(db);

  // Published for reporting: payments as they count (reversed ones flagged), without names.
  await sql`
    create view payment.v_payments as
    select p.id as payment_id, p.channel, p.id_number, p.year, p.tier, p.amount_fen, p.assistance_fen,
           p.paid_on, p.village_code, p.source, p.status, p.recorded_at,
           r.reversed_on, (r.payment_id is not null) as reversed
    from payment.payments p
    left join payment.reversals r on r.payment_id = p.id`.execute(db);

  // Reconciliation names a person and judges payments after death: enrollment publishes both.
  // Columns are only appended, so every reader of the view keeps working.
  await sql`
    create or replace view enrollment.v_enrollment_facts as
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
           p.sex, p.birth_date, p.category as person_category, e.created_at, e.updated_at,
           e.payment_id, p.name, p.died_on
    from enrollment.enrolments e
    join enrollment.persons p using (id_number)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view enrollment.v_enrollment_facts`.execute(db);
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
  await sql`drop view payment.v_payments`.execute(db);
  for (const table of [
    'outbox_dead_letters',
    'outbox_cursors',
    'outbox',
    'cash_receipts',
    'cash_deposits',
    'reconciliation_items',
    'reconciliation_runs',
    'reversals',
    'payments',
    'import_errors',
    'imports',
  ]) {
    await sql`drop table ${sql.table(`payment.${table}`)}`.execute(db);
  }
}
