import { type Kysely, sql } from 'kysely';

/**
 * subsidy-identity's tables (contracts/identity-feeds.md): the batches departments post, the
 * changes each computed, its row errors, the identity spells with their history by day, deaths,
 * per-department guard settings, its outbox, and the published view `identity.v_identity_spells`.
 * Also `enrollment.received_events`, where enrollment keeps the events it is sent (deaths).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The truncated-file guard's shares, per department; a department without a row uses the defaults.
  await sql`
    create table identity.feed_settings (
      department text primary key,
      max_removal_share numeric(5,4) not null default 0.2 check (max_removal_share between 0 and 1),
      min_row_share numeric(5,4) not null default 0.8 check (min_row_share between 0 and 1),
      updated_by text,
      updated_at timestamptz not null default now()
    )`.execute(db);

  // One posted file. `scope_region_code` is the key's region (null: the department's whole list).
  // `based_on` is the last applied batch of (department, scope) when the changes were computed:
  // a held batch is stale once another is applied after it.
  await sql`
    create table identity.batches (
      id uuid primary key default gen_random_uuid(),
      department text not null,
      mode text not null check (mode in ('snapshot', 'delta')),
      period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      period_start date not null,
      scope_region_code text,
      status text not null check (status in ('computing', 'applied', 'dry-run', 'unchanged', 'held', 'rejected', 'discarded', 'failed')),
      on_row_errors text not null default 'skip' check (on_row_errors in ('skip', 'reject')),
      content_sha256 text not null,
      format text not null check (format in ('csv', 'xlsx', 'ndjson')),
      encoding text,
      file_name text,
      idempotency_key text,
      rows integer not null default 0,
      counts jsonb not null default '{}',
      held_reason text,
      based_on uuid,
      answer_of uuid references identity.batches (id),
      created_by text,
      created_at timestamptz not null default now(),
      decided_by text,
      decided_at timestamptz,
      applied_at timestamptz
    )`.execute(db);
  // The same bytes for the same (department, scope, period, mode) are applied once (re-post: unchanged).
  await sql`create unique index batches_applied_content_idx on identity.batches
    (department, coalesce(scope_region_code, ''), period, mode, content_sha256) where status = 'applied'`.execute(db);
  // At most one held batch per department awaits a decision (409 BATCH_HELD for the next).
  await sql`create unique index batches_one_held_idx on identity.batches (department) where status = 'held'`.execute(
    db,
  );
  await sql`create unique index batches_idempotency_idx on identity.batches (department, idempotency_key)
    where idempotency_key is not null and status <> 'unchanged'`.execute(db);
  await sql`create index batches_listing_idx on identity.batches (department, period, created_at desc)`.execute(db);

  // What a batch changes (or would change, held or dry run), one row per person and identity;
  // unchanged rows are not kept. Confirming a held batch applies exactly these.
  await sql`
    create table identity.batch_changes (
      batch_id uuid not null references identity.batches (id) on delete cascade,
      id_number text not null,
      identity_code text not null,
      change text not null check (change in ('added', 'removed', 'changed', 'moved')),
      name text,
      line integer,
      before_village text,
      before_from date,
      before_to date,
      after_village text,
      after_from date,
      after_to date,
      primary key (batch_id, id_number, identity_code)
    )`.execute(db);

  // Each bad row of a batch once, with every problem on it, and its cells as sent.
  await sql`
    create table identity.batch_errors (
      batch_id uuid not null references identity.batches (id) on delete cascade,
      line integer not null,
      errors jsonb not null,
      cells jsonb not null,
      primary key (batch_id, line)
    )`.execute(db);

  // Identity spells: a person holds identity_code in region_code from valid_from through valid_to
  // (null: open). `current` spells are the department's list as last applied; a spell a later
  // batch ended or replaced keeps its row for the history by day.
  await sql`
    create table identity.spells (
      id bigint generated always as identity primary key,
      id_number text not null,
      identity_code text not null references identity.identity_types (code),
      department text not null,
      region_code text not null,
      name text,
      valid_from date not null,
      valid_to date,
      current boolean not null default true,
      batch_id uuid not null,
      ended_batch_id uuid,
      ended_reason text check (ended_reason in ('absent', 'removed', 'moved', 'changed', 'ended', 'death')),
      check (valid_to is null or valid_to >= valid_from - 1)
    )`.execute(db);
  await sql`create unique index spells_current_idx on identity.spells (id_number, identity_code) where current`.execute(
    db,
  );
  await sql`create index spells_department_region_idx on identity.spells (department, region_code) where current`.execute(
    db,
  );
  await sql`create index spells_person_idx on identity.spells (id_number, valid_from)`.execute(db);

  await sql`
    create table identity.deaths (
      id_number text primary key,
      died_on date not null,
      name text,
      department text not null,
      recorded_by text,
      recorded_at timestamptz not null default now()
    )`.execute(db);

  // The outbox, as every publisher keeps it (@rmi/outbox).
  await sql`
    create table identity.outbox (
      id bigserial primary key,
      topic text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      xid xid8 not null default pg_current_xact_id()
    )`.execute(db);
  await sql`create index outbox_xid_id_idx on identity.outbox (xid, id)`.execute(db);
  await sql`
    create table identity.outbox_cursors (
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
    create table identity.outbox_dead_letters (
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
  await sql`create index outbox_dead_letters_waiting_idx on identity.outbox_dead_letters (subscriber, id)
    where redelivered_at is null`.execute(db);

  // Published: who held which identity on which day. An empty spell (ended before it began, as
  // when a person added and removed within one period) is no spell.
  await sql`
    create view identity.v_identity_spells as
    select id_number, identity_code, department, region_code, valid_from, valid_to, batch_id
    from identity.spells
    where valid_to is null or valid_to >= valid_from`.execute(db);

  // What subsidy-identity reads of the division tree, to find villages named in a feed.
  await sql`
    create view identity.v_regions as
    select code, name, level, parent_code from core.regions`.execute(db);

  // Events enrollment is sent (deaths from subsidy-identity), kept by id: a redelivery changes nothing.
  await sql`
    create table enrollment.received_events (
      source text not null,
      id bigint not null,
      topic text not null,
      payload jsonb not null,
      received_at timestamptz not null default now(),
      primary key (source, id)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table enrollment.received_events`.execute(db);
  await sql`drop view identity.v_regions`.execute(db);
  await sql`drop view identity.v_identity_spells`.execute(db);
  for (const table of [
    'outbox_dead_letters',
    'outbox_cursors',
    'outbox',
    'deaths',
    'spells',
    'batch_errors',
    'batch_changes',
    'batches',
    'feed_settings',
  ]) {
    await sql`drop table ${sql.table(`identity.${table}`)}`.execute(db);
  }
}
