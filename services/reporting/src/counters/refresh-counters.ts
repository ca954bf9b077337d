import { sql } from 'kysely';
import type { ReportingDb } from '../db.js';
import { isEmpty, pairKey, splitPair, type TouchedKeys } from './counter-keys.js';
import {
  CHANNEL_COUNTERS,
  type CounterTable,
  DAILY_COUNTERS,
  GROUP_COUNTERS,
  isEmptyScope,
  type Scope,
  VILLAGE_COUNTERS,
  villagesOf,
  writeStatement,
} from './counter-sql.js';

type Trx = ReportingDb;

const arrays = (pairs: Iterable<string>) => {
  const split = [...pairs].map(splitPair);
  return { years: split.map(([y]) => y), codes: split.map(([, c]) => c) };
};

/** Every village of `years`: where there are enrolments, targets or counters (to remove) that year. */
async function villagesOfYears(trx: Trx, years: readonly number[]): Promise<string[]> {
  if (years.length === 0) return [];
  const { rows } = await sql<{ year: number; village_code: string }>`
    select year, village_code from enrollment.v_enrollment_facts where year = any(${years}::integer[])
    union
    select year, village_code from enrollment.v_targets where year = any(${years}::integer[])
    union
    select year, village_code from reporting.village_counters where year = any(${years}::integer[])`.execute(trx);
  return rows.map((r) => pairKey(r.year, r.village_code));
}

/**
 * The villages where the persons whose enrolment changed hold an identity that year: their special
 * groups count that enrolment. Persons are named by the events, or, for an import, are everyone
 * enrolled in the villages it touched.
 */
async function identityVillagesOf(
  trx: Trx,
  personYears: ReadonlySet<string>,
  importedVillageYears: ReadonlySet<string>,
): Promise<string[]> {
  if (personYears.size === 0 && importedVillageYears.size === 0) return [];
  const persons = arrays(personYears);
  const imported = arrays(importedVillageYears);
  const { rows } = await sql<{ year: number; village_code: string }>`
    with persons as (
      select year, id_number from unnest(${persons.years}::integer[], ${persons.codes}::varchar[]) as p(year, id_number)
      union
      select e.year, e.id_number
      from enrollment.v_enrollment_facts e
      join unnest(${imported.years}::integer[], ${imported.codes}::varchar[]) as v(year, village_code)
        on v.year = e.year and v.village_code = e.village_code
      where e.village_code = any(${imported.codes}::varchar[])
    )
    select distinct p.year, sp.region_code as village_code
    from persons p
    join identity.v_identity_spells sp
      on sp.id_number = p.id_number
     and sp.valid_from <= make_date(p.year, 12, 31)
     and (sp.valid_to is null or sp.valid_to >= make_date(p.year, 1, 1))`.execute(trx);
  return rows.map((r) => pairKey(r.year, r.village_code));
}

/** The rows of each counter table the keys make stale, resolved against the views. */
async function scopesOf(trx: Trx, keys: TouchedKeys): Promise<Array<[CounterTable, Scope]>> {
  const wholeYears = await villagesOfYears(trx, [...keys.wholeYears]);
  const villageYears = new Set([...keys.villageYears, ...wholeYears]);
  const imported = new Set([...keys.importedVillageYears, ...wholeYears]);
  const identityVillages = await identityVillagesOf(trx, keys.personYears, imported);
  const none = new Set<string>();
  return [
    [VILLAGE_COUNTERS, { all: false, pairs: villageYears, villages: none }],
    [
      GROUP_COUNTERS,
      { all: false, pairs: new Set([...villageYears, ...identityVillages]), villages: keys.groupVillages },
    ],
    [DAILY_COUNTERS, { all: false, pairs: villageYears, villages: none }],
    [CHANNEL_COUNTERS, { all: false, pairs: keys.channelYears, villages: keys.channelVillages }],
  ];
}

/** Past this many villages a delivery locks them all at once: each lock takes a slot of the server's lock table. */
const MANY_VILLAGES = 256;

/**
 * Waits for every delivery refreshing one of `villages` to commit, in one order for all (no two
 * deliveries wait on each other in a circle). Taken before the refresh statements, which (READ
 * COMMITTED) then take their snapshots after that commit: a delivery never writes figures read
 * before another's. Every delivery holds the counters' lock shared and its villages' locks alone;
 * one refreshing a whole year's villages holds the counters' lock alone instead.
 */
async function lockVillages(trx: Trx, villages: readonly string[]): Promise<void> {
  if (villages.length === 0) return;
  if (villages.length > MANY_VILLAGES) {
    await sql`select pg_advisory_xact_lock(hashtextextended('reporting.counters', 0))`.execute(trx);
    return;
  }
  await sql`select pg_advisory_xact_lock_shared(hashtextextended('reporting.counters', 0))`.execute(trx);
  await sql`
    select pg_advisory_xact_lock(k)
    from (
      select distinct hashtextextended('reporting.counters/' || v, 0) as k
      from unnest(${villages}::varchar[]) as v
      order by k
    ) ordered`.execute(trx);
}

/**
 * Recomputes, inside the caller's transaction, exactly the counter rows `keys` touch: one
 * statement per counter table for the whole batch.
 */
export async function refreshCounters(trx: Trx, keys: TouchedKeys): Promise<{ written: number }> {
  if (isEmpty(keys)) return { written: 0 };
  const scopes = (await scopesOf(trx, keys)).filter(([, scope]) => !isEmptyScope(scope));
  await lockVillages(trx, [...new Set(scopes.flatMap(([, scope]) => villagesOf(scope)))]);
  let written = 0;
  for (const [table, scope] of scopes) {
    const { rows } = await writeStatement(table, scope).execute(trx);
    written += rows[0]?.written ?? 0;
  }
  return { written };
}
