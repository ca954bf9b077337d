import { type RawBuilder, sql } from 'kysely';
import { splitPair } from './counter-keys.js';

/**
 * Which rows of a counter table a statement recomputes: all of them (a rebuild, a check), or those
 * of some (year, village) pairs and of some villages in every year.
 */
export type Scope = { all: true } | { all: false; pairs: ReadonlySet<string>; villages: ReadonlySet<string> };

export const ALL: Scope = { all: true };

export function isEmptyScope(scope: Scope): boolean {
  return !scope.all && scope.pairs.size === 0 && scope.villages.size === 0;
}

/** Every village a scope names, for the locks and the `village_code = any(…)` narrowing. */
export function villagesOf(scope: Scope): string[] {
  if (scope.all) return [];
  return [...new Set([...scope.villages, ...[...scope.pairs].map((p) => splitPair(p)[1])])];
}

/** The parts of a statement that depend on its scope. */
interface Scoped {
  /** The CTE `pairs (year, village_code)`, first of every statement. */
  pairs: RawBuilder<unknown>;
  /** Cheap narrowing of a view's rows by village, so the index on the village is used. */
  narrow: (column: string) => RawBuilder<boolean>;
  /** Whether a (year, village) is in the scope. */
  inScope: (year: string, village: string) => RawBuilder<boolean>;
}

function scoped(scope: Scope): Scoped {
  if (scope.all) {
    return {
      pairs: sql`pairs (year, village_code) as (select null::integer, null::varchar where false)`,
      narrow: () => sql<boolean>`true`,
      inScope: () => sql<boolean>`true`,
    };
  }
  const split = [...scope.pairs].map(splitPair);
  const years = split.map(([year]) => year);
  const codes = split.map(([, code]) => code);
  const touched = villagesOf(scope);
  const whole = [...scope.villages];
  return {
    pairs: sql`pairs (year, village_code) as (select * from unnest(${years}::integer[], ${codes}::varchar[]))`,
    narrow: (column) => sql<boolean>`${sql.ref(column)} = any(${touched}::varchar[])`,
    inScope: (year, village) =>
      sql<boolean>`(${sql.ref(village)} = any(${whole}::varchar[])
        or (${sql.ref(year)}, ${sql.ref(village)}) in (select year, village_code from pairs))`,
  };
}

/**
 * One counter table: its key, its figures, and the GROUP BY over the published views that defines
 * them (docs: the counter semantics of reporting). `fresh` yields the key and figure columns, named
 * as the table names them, for the rows in scope only.
 */
export interface CounterTable {
  name: 'village_counters' | 'group_counters' | 'daily_counters' | 'channel_counters';
  key: readonly string[];
  figures: readonly string[];
  /** CTEs after `pairs`, the last named `fresh`. */
  fresh: (s: Scoped) => RawBuilder<unknown>;
}

const PAID = sql`stored_status in ('paid', 'transferred')`;

export const VILLAGE_COUNTERS: CounterTable = {
  name: 'village_counters',
  key: ['year', 'village_code'],
  figures: ['target', 'registered', 'paid', 'cancelled', 'transferred', 'personal_fen', 'assistance_fen', 'fiscal_fen'],
  // A row exists where the village has an enrolment or a target that year.
  fresh: (s) => sql`
    facts as (
      select year, village_code,
             count(*) filter (where stored_status = 'registered')::integer as registered,
             count(*) filter (where stored_status = 'paid')::integer as paid,
             count(*) filter (where stored_status = 'cancelled')::integer as cancelled,
             count(*) filter (where stored_status = 'transferred')::integer as transferred,
             coalesce(sum(personal_fen) filter (where ${PAID}), 0)::bigint as personal_fen,
             coalesce(sum(assistance_fen) filter (where ${PAID}), 0)::bigint as assistance_fen,
             coalesce(sum(fiscal_subsidy_fen) filter (where ${PAID}), 0)::bigint as fiscal_fen
      from enrollment.v_enrollment_facts
      where ${s.narrow('village_code')}
      group by year, village_code
    ),
    targets as (
      select year, village_code, target from enrollment.v_targets where ${s.narrow('village_code')}
    ),
    joined as (
      select coalesce(f.year, t.year) as year, coalesce(f.village_code, t.village_code) as village_code,
             t.target, coalesce(f.registered, 0) as registered, coalesce(f.paid, 0) as paid,
             coalesce(f.cancelled, 0) as cancelled, coalesce(f.transferred, 0) as transferred,
             coalesce(f.personal_fen, 0::bigint) as personal_fen,
             coalesce(f.assistance_fen, 0::bigint) as assistance_fen,
             coalesce(f.fiscal_fen, 0::bigint) as fiscal_fen
      from facts f
      full join targets t on t.year = f.year and t.village_code = f.village_code
    ),
    fresh as (select * from joined where ${s.inScope('year', 'village_code')})`,
};

export const GROUP_COUNTERS: CounterTable = {
  name: 'group_counters',
  key: ['year', 'village_code', 'identity_code', 'department'],
  figures: ['certified', 'enrolled', 'paid'],
  // Counted for the years the village collects in (it has an enrolment or a target): a spell left
  // open has no last year, so the years come from the village's enrolments and targets. Enrolled
  // and paid are the person's enrolment that year wherever it is.
  fresh: (s) => sql`
    counted as (
      select year, village_code from enrollment.v_enrollment_facts where ${s.narrow('village_code')}
      union
      select year, village_code from enrollment.v_targets where ${s.narrow('village_code')}
    ),
    keys as (select year, village_code from counted where ${s.inScope('year', 'village_code')}),
    fresh as (
      select k.year, k.village_code, sp.identity_code, sp.department,
             count(distinct sp.id_number)::integer as certified,
             count(distinct sp.id_number) filter (where e.stored_status <> 'cancelled')::integer as enrolled,
             count(distinct sp.id_number) filter (where e.stored_status in ('paid', 'transferred'))::integer as paid
      from keys k
      join identity.v_identity_spells sp
        on sp.region_code = k.village_code
       and sp.valid_from <= make_date(k.year, 12, 31)
       and (sp.valid_to is null or sp.valid_to >= make_date(k.year, 1, 1))
      left join enrollment.v_enrollment_facts e on e.id_number = sp.id_number and e.year = k.year
      group by k.year, k.village_code, sp.identity_code, sp.department
    )`,
};

export const DAILY_COUNTERS: CounterTable = {
  name: 'daily_counters',
  key: ['year', 'village_code', 'day'],
  figures: ['paid', 'personal_fen', 'assistance_fen', 'fiscal_fen'],
  fresh: (s) => sql`
    fresh as (
      select year, village_code, paid_on as day, count(*)::integer as paid,
             coalesce(sum(personal_fen), 0)::bigint as personal_fen,
             coalesce(sum(assistance_fen), 0)::bigint as assistance_fen,
             coalesce(sum(fiscal_subsidy_fen), 0)::bigint as fiscal_fen
      from enrollment.v_enrollment_facts
      where ${PAID} and paid_on is not null
        and ${s.narrow('village_code')} and ${s.inScope('year', 'village_code')}
      group by year, village_code, paid_on
    )`,
};

export const CHANNEL_COUNTERS: CounterTable = {
  name: 'channel_counters',
  key: ['year', 'village_code', 'day', 'channel'],
  figures: ['payments', 'amount_fen', 'assistance_fen', 'reversals', 'reversed_fen'],
  fresh: (s) => sql`
    fresh as (
      select year, village_code, paid_on as day, channel,
             count(*) filter (where not reversed)::integer as payments,
             coalesce(sum(amount_fen) filter (where not reversed), 0)::bigint as amount_fen,
             coalesce(sum(assistance_fen) filter (where not reversed), 0)::bigint as assistance_fen,
             count(*) filter (where reversed)::integer as reversals,
             coalesce(sum(amount_fen) filter (where reversed), 0)::bigint as reversed_fen
      from payment.v_payments
      where village_code is not null
        and ${s.narrow('village_code')} and ${s.inScope('year', 'village_code')}
      group by year, village_code, paid_on, channel
    )`,
};

/** In the order every writer locks them: refreshes and rebuilds meet the tables alike. */
export const COUNTER_TABLES = [VILLAGE_COUNTERS, GROUP_COUNTERS, DAILY_COUNTERS, CHANNEL_COUNTERS] as const;

const ids = (columns: readonly string[]) => sql.join(columns.map((c) => sql.ref(c)));

/**
 * One statement: the rows in scope made equal to the GROUP BY. Rows that differ are updated, new
 * ones inserted, those the views no longer yield deleted; rows already right are left untouched.
 * Answers how many rows the scope holds now and how many were written.
 */
export function writeStatement(table: CounterTable, scope: Scope): RawBuilder<{ rows: number; written: number }> {
  const s = scoped(scope);
  const target = sql.table(`reporting.${table.name}`);
  const columns = [...table.key, ...table.figures];
  const stamp = table.name === 'village_counters';
  const sets = table.figures.map((f) => sql`${sql.ref(f)} = excluded.${sql.ref(f)}`);
  if (stamp) sets.push(sql`refreshed_at = now()`);
  const current = sql.join(table.figures.map((f) => sql`t.${sql.ref(f)}`));
  const incoming = sql.join(table.figures.map((f) => sql`excluded.${sql.ref(f)}`));
  const sameKey = sql.join(
    table.key.map((k) => sql`f.${sql.ref(k)} = t.${sql.ref(k)}`),
    sql` and `,
  );
  return sql<{ rows: number; written: number }>`
    with ${s.pairs}, ${table.fresh(s)},
    upserted as (
      insert into ${target} as t (${ids(columns)})
      select ${ids(columns)} from fresh
      on conflict (${ids(table.key)}) do update set ${sql.join(sets)}
        where (${current}) is distinct from (${incoming})
      returning 1
    ),
    deleted as (
      delete from ${target} t
      where ${s.inScope('t.year', 't.village_code')}
        and not exists (select 1 from fresh f where ${sameKey})
      returning 1
    )
    select (select count(*) from fresh)::integer as rows,
           ((select count(*) from upserted) + (select count(*) from deleted))::integer as written`;
}

/**
 * Where a table differs from its GROUP BY: each row as counted and as the views have it (null
 * when missing on that side), at most `limit`.
 */
export function differenceStatement(
  table: CounterTable,
  limit: number,
): RawBuilder<{
  key: Record<string, unknown>;
  counted: Record<string, unknown> | null;
  expected: Record<string, unknown> | null;
}> {
  const s = scoped(ALL);
  const target = sql.table(`reporting.${table.name}`);
  const key = sql.join(table.key.flatMap((k) => [sql.lit(k), sql.ref(k)]));
  const figures = (alias: string) =>
    sql`case when ${sql.ref(`${alias}.${table.key[0]}`)} is null then null
        else jsonb_build_object(${sql.join(table.figures.flatMap((f) => [sql.lit(f), sql.ref(`${alias}.${f}`)]))}) end`;
  return sql`
    with ${s.pairs}, ${table.fresh(s)}
    select jsonb_build_object(${key}) as key, ${figures('t')} as counted, ${figures('f')} as expected
    from ${target} t
    full join fresh f using (${ids(table.key)})
    where ${figures('t')} is distinct from ${figures('f')}
    order by ${ids(table.key)}
    limit ${limit}`;
}
