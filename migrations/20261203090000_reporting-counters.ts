import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * reporting's own tables (contracts/reporting.md): counters kept current from the events of the
 * three publishing services and rebuilt from their views, weekly snapshots of every village's
 * figures. Also what reporting reads and nobody published yet: payment-reconciliation's
 * reconciliation runs and cash ledger as views, and an index identity's spells need to be read by
 * village.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One row per (year, village): enrolments by stored status against the village's target, and
  // the money of its paid enrolments (the amounts fixed by the quote on the payment day).
  await sql`
    create table reporting.village_counters (
      year integer not null,
      village_code varchar(12) not null,
      target integer,
      registered integer not null default 0,
      paid integer not null default 0,
      cancelled integer not null default 0,
      transferred integer not null default 0,
      personal_fen bigint not null default 0,
      assistance_fen bigint not null default 0,
      fiscal_fen bigint not null default 0,
      refreshed_at timestamptz not null default now(),
      primary key (year, village_code)
    )`.execute(db);

  // Special groups: persons certified with an identity (a spell overlapping the year) in a village,
  // and how many of them are enrolled (not cancelled) and paid that year.
  await sql`
    create table reporting.group_counters (
      year integer not null,
      village_code varchar(12) not null,
      identity_code text not null,
      department text not null,
      certified integer not null,
      enrolled integer not null,
      paid integer not null,
      primary key (year, village_code, identity_code, department)
    )`.execute(db);

  // Enrolments paid (or transferred after paying) by the day they were paid: funding between two
  // days, and the day a village reached its target (the assessment's "done by").
  await sql`
    create table reporting.daily_counters (
      year integer not null,
      village_code varchar(12) not null,
      day date not null,
      paid integer not null,
      personal_fen bigint not null,
      assistance_fen bigint not null,
      fiscal_fen bigint not null,
      primary key (year, village_code, day)
    )`.execute(db);

  // Payments as payment-reconciliation records them, by village, day paid and channel: standing
  // payments and, apart, those reversed since.
  await sql`
    create table reporting.channel_counters (
      year integer not null,
      village_code varchar(12) not null,
      day date not null,
      channel text not null,
      payments integer not null,
      amount_fen bigint not null,
      assistance_fen bigint not null,
      reversals integer not null,
      reversed_fen bigint not null,
      primary key (year, village_code, day, channel)
    )`.execute(db);

  // A week's figures, kept so that "the report of week 47" reads the same later. An operator may
  // take a week's snapshot while it runs (and again); the one taken when the week ends closes it.
  await sql`
    create table reporting.snapshots (
      id uuid primary key default gen_random_uuid(),
      year integer not null,
      week text not null check (week ~ '^[0-9]{4}-W[0-9]{2}$'),
      closed boolean not null default false,
      taken_at timestamptz not null default now(),
      taken_by text,
      unique (year, week)
    )`.execute(db);
  await sql`
    create table reporting.snapshot_villages (
      snapshot_id uuid not null references reporting.snapshots (id) on delete cascade,
      village_code varchar(12) not null,
      target integer,
      registered integer not null,
      paid integer not null,
      cancelled integer not null,
      transferred integer not null,
      primary key (snapshot_id, village_code)
    )`.execute(db);

  await sql`
    create table reporting.snapshot_groups (
      snapshot_id uuid not null references reporting.snapshots (id) on delete cascade,
      village_code varchar(12) not null,
      identity_code text not null,
      department text not null,
      certified integer not null,
      enrolled integer not null,
      paid integer not null,
      primary key (snapshot_id, village_code, identity_code, department)
    )`.execute(db);

  // Special groups are counted by the village a spell names.
  await sql`create index spells_region_idx on identity.spells (region_code)`.execute(db);

  // Published for reporting: reconciliation runs, their items without names or ID numbers, and
  // the cash ledger (receipts with the deposit that banked them).
  await sql`
    create view payment.v_reconciliation_runs as
    select id as run_id, region_code, year, as_of, counts, totals, created_at
    from payment.reconciliation_runs`.execute(db);
  await sql`
    create view payment.v_reconciliation_items as
    select run_id, village_code, class, expected_fen, paid_fen, owed_fen
    from payment.reconciliation_items`.execute(db);
  await sql`
    create view payment.v_cash_receipts as
    select r.receipt_number, r.payment_id, coalesce(r.collector_key_id::text, r.collector_name) as collector_key,
           r.collector_name, r.village_code, r.year, r.amount_fen, r.received_at, r.received_on,
           d.deposited_at, d.deposited_on
    from payment.cash_receipts r
    left join payment.cash_deposits d on d.id = r.deposit_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view payment.v_cash_receipts`.execute(db);
  await sql`drop view payment.v_reconciliation_items`.execute(db);
  await sql`drop view payment.v_reconciliation_runs`.execute(db);
  await sql`drop index identity.spells_region_idx`.execute(db);
  for (const table of [
    'snapshot_groups',
    'snapshot_villages',
    'snapshots',
    'channel_counters',
    'daily_counters',
    'group_counters',
    'village_counters',
  ]) {
    await sql`drop table ${sql.table(`reporting.${table}`)}`.execute(db);
  }
}
