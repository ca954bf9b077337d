import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { DEATH_ROWS } from './death-staging.js';

// The set-wise statements of a death list, on the session that staged it: the rows checked, then
// (inside one transaction) the deaths recorded, the spells ended and the events written, each
// statement for the whole list at once.

export const DEATH_CHECKED = 'death_checked';
export const DEATH_NEW = 'death_new';

/**
 * Each row's problems: those found as it streamed past, the same person again (DUPLICATE_ROW, the
 * first row counts), and, for a key with a region, a person whose current spells or enrolments lie
 * outside it (OUT_OF_SCOPE: a county's list does not end another county's spells). Returns the
 * number of bad rows.
 */
export async function checkDeaths(client: pg.PoolClient, scope: string | null): Promise<number> {
  const outside = scope
    ? `when exists (select 1 from identity.spells s where s.id_number = r.id and s.current
                      and not starts_with(s.region_code, $1::text))
             or exists (select 1 from enrollment.v_enrollment_facts f where f.id_number = r.id
                      and not starts_with(f.village_code, $1::text))
        then jsonb_build_array(jsonb_build_object('column', 'idNumber', 'code', 'OUT_OF_SCOPE',
               'message', 'the person is certified or enrolled outside this key''s region'))`
    : '';
  await client.query(
    `create temp table ${DEATH_CHECKED} as
     select line, id, died_on, name, errors
     from (
       select r.line, r.id, nullif(r.died, '')::date as died_on, nullif(r.nm, '') as name,
              case when coalesce(r.errs, '') <> '' then r.errs::jsonb
                   when r.first_line < r.line then jsonb_build_array(jsonb_build_object('column', 'idNumber',
                     'code', 'DUPLICATE_ROW', 'message', 'the same person again; line ' || r.first_line || ' counts'))
                   ${outside}
              end as errors
       from (select d.*, min(line) filter (where coalesce(errs, '') = '') over (partition by id) as first_line
             from ${DEATH_ROWS} d) r
     ) checked`,
    scope ? [scope] : [],
  );
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::int as n from ${DEATH_CHECKED} where errors is not null`,
  );
  return rows[0]?.n ?? 0;
}

/** The first bad rows, one entry per problem, for the answer. */
export async function firstDeathErrors(client: pg.PoolClient, limit = 1000) {
  const { rows } = await client.query<{ line: number; column: string; code: string; message: string }>(
    `select c.line, x.e->>'column' as "column", x.e->>'code' as code, x.e->>'message' as message
     from ${DEATH_CHECKED} c
     cross join lateral jsonb_array_elements(c.errors) with ordinality as x(e, n)
     where c.errors is not null
     order by c.line, x.n
     limit $1`,
    [limit],
  );
  return rows;
}

/**
 * Records the deaths of the valid rows: a new death, or an earlier day than the one recorded
 * (deaths come from more than one department, so the earliest day is kept, as enrollment keeps it).
 * The rows locked in ID-number order, so two lists naming the same people queue instead of
 * deadlocking. Those recorded go to `death_new`, with one `person.died` event each.
 */
export async function recordDeaths(trx: Kysely<any>, who: { department: string; keyId: string | null }) {
  await sql`create temp table ${sql.table(DEATH_NEW)} (id_number text primary key, died_on date not null) on commit drop`.execute(
    trx,
  );
  await sql`
    with recorded as (
      insert into identity.deaths as d (id_number, died_on, name, department, recorded_by)
      select id, died_on, name, ${who.department}, ${who.keyId}
      from ${sql.table(DEATH_CHECKED)} where errors is null
      order by id
      on conflict (id_number) do update
        set died_on = excluded.died_on, name = coalesce(excluded.name, d.name), department = excluded.department,
            recorded_by = excluded.recorded_by, recorded_at = now()
        where excluded.died_on < d.died_on
      returning d.id_number, d.died_on
    )
    insert into ${sql.table(DEATH_NEW)} select id_number, died_on from recorded`.execute(trx);
  const { rows } = await sql<{ n: number }>`
    with events as (
      insert into identity.outbox (topic, payload)
      select 'person.died', jsonb_build_object('idNumber', id_number, 'diedOn', died_on, 'department', ${who.department}::text)
      from ${sql.table(DEATH_NEW)} order by id_number
      returning 1
    )
    select count(*)::int as n from events`.execute(trx);
  return rows[0]?.n ?? 0;
}

/**
 * Ends, on the death day, every current spell of each person of the list (design of
 * identity.spells: never before the spell began), and cuts back a spell an earlier report ended
 * on a later day; one `identity.ended` event (reason death) per spell.
 */
export async function endSpellsAtDeath(trx: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    with ended as (
      update identity.spells s
      set current = false,
          valid_to = greatest(s.valid_from - 1, least(coalesce(s.valid_to, 'infinity'::date), d.died_on)),
          ended_reason = 'death'
      from identity.deaths d
      where d.id_number = s.id_number
        and d.id_number in (select id from ${sql.table(DEATH_CHECKED)} where errors is null)
        and (s.current or (s.ended_reason = 'death' and s.valid_to > greatest(s.valid_from - 1, d.died_on)))
      returning s.id_number, s.identity_code, s.department, s.region_code, s.valid_to
    ),
    events as (
      insert into identity.outbox (topic, payload)
      select 'identity.ended',
             jsonb_build_object('idNumber', id_number, 'identityCode', identity_code, 'department', department,
                                'regionCode', region_code, 'validTo', valid_to, 'reason', 'death', 'batchId', null)
      from ended order by id_number, identity_code
      returning 1
    )
    select count(*)::int as n from events`.execute(trx);
  return rows[0]?.n ?? 0;
}

/** Registered, unpaid enrolments (any year) of the people whose death this list recorded. */
export async function enrolmentsToCancel(trx: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n
    from enrollment.v_enrollment_facts f join ${sql.table(DEATH_NEW)} n using (id_number)
    where f.stored_status = 'registered'`.execute(trx);
  return rows[0]?.n ?? 0;
}

/** People of the list's valid rows with no enrolment at all: their count and the first `limit` ID numbers. */
export async function notRegistered(trx: Kysely<any>, limit = 1000): Promise<{ count: number; ids: string[] }> {
  const { rows } = await sql<{ id: string; total: number }>`
    select id, count(*) over ()::int as total
    from ${sql.table(DEATH_CHECKED)} c
    where c.errors is null
      and not exists (select 1 from enrollment.v_enrollment_facts f where f.id_number = c.id)
    order by id
    limit ${limit}`.execute(trx);
  return { count: rows[0]?.total ?? 0, ids: rows.map((r) => r.id) };
}
