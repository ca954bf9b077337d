/** The baseline's table: the payment's fields, a key, no constraint beyond them. */
export const BARE_TABLE = 'public.season_load_bare_payments';
/** For the diagnostic route alone: an audit row and an event beside the payment, as the service writes. */
export const BARE_AUDIT_TABLE = 'public.season_load_bare_audit';
export const BARE_OUTBOX_TABLE = 'public.season_load_bare_outbox';

export const CREATE_BARE_TABLES = [
  `create table ${BARE_TABLE} (
    id bigint generated always as identity primary key,
    channel text not null,
    voucher_number text not null,
    id_number char(18) not null,
    year integer not null,
    amount_fen bigint not null,
    paid_at timestamptz not null,
    idempotency_key text,
    recorded_at timestamptz not null default now()
  )`,
  `create table ${BARE_AUDIT_TABLE} (
    id bigint generated always as identity primary key,
    action text not null,
    entity_id text not null,
    details jsonb not null,
    at timestamptz not null default now()
  )`,
  `create table ${BARE_OUTBOX_TABLE} (
    id bigint generated always as identity primary key,
    topic text not null,
    payload jsonb not null,
    created_at timestamptz not null default now()
  )`,
];
