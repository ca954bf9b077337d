import type { FeedMode } from '@rmi/db';
import type pg from 'pg';
import { BAD_TABLE, decisionJoins } from './feed-checks.js';
import type { FeedCells } from './feed-decisions.js';
import { STAGING_TABLE } from './feed-staging.js';

// What a batch changes, computed by joining the file's valid (person, identity) pairs with the
// department's current spells and written straight into identity.batch_changes; unchanged pairs
// are never written. Only changes are kept, so a second snapshot of a million rows with 5%
// changed writes 5% (contracts/identity-feeds.md; semantics in the design of identity.spells):
// - added: no current spell; it starts on certifiedOn, or the period's first day;
// - moved: a current spell in another village; the new one starts on the period's first day;
// - changed: the same village, other dates (certifiedOn given and different, or endedOn);
// - removed: a snapshot's absent person (not on any bad line), or a delta's 退出; the spell ends
//   the day before the period (or on endedOn), never before it began.

export interface ChangeCounts {
  added: number;
  changed: number;
  moved: number;
  removed: number;
  /** Of the moved, those whose spell was outside the batch's scope. */
  movedFromOutside: number;
}

/** Spaces a cell is trimmed of: ASCII and the full-width space of Chinese text. */
const SPACES = `E' \\t\\r\\n\\u3000'`;

/**
 * The file's valid (person, identity) pairs: each valid line with its decisions joined, one row
 * per identity code (a group label makes several).
 */
const FILE_PAIRS = (cells: FeedCells, delta: boolean, anyBad: boolean) => `
select r.line, r.id, lc.code, p.code as village, nullif(btrim(${cells.name}, ${SPACES}), '') as name,
       df.iso as from_on, dt.iso as to_on, a.act
from ${STAGING_TABLE} r
join feed_label_codes lc on lc.raw_identity = ${cells.identity} and lc.raw_grade = ${cells.disabilityGrade}
${decisionJoins(cells, { places: true, dates: true, actions: delta })}
${anyBad ? `where not exists (select 1 from ${BAD_TABLE} b where b.line = r.line)` : ''}`;

/** A date the file gives as an end, kept no earlier than the day before the spell's start. */
const endNoEarlierThan = (end: string, start: string) =>
  `case when ${end} is null then null else greatest(${end}, ${start} - 1) end`;

/** A spell ended by this batch without a date of its own: the day before the period, never before it began. */
export const DEFAULT_END = (from: string, to: string, periodStart: string) =>
  `greatest(${from} - 1, least(coalesce(${to}, 'infinity'::date), ${periodStart}::date - 1))`;

/** The change of a file pair `f` against its spell before (`b_*`), for add and change rows. */
const KEPT_CHANGE = `
  case when b_village is null then 'added'
       when b_village <> f_village then 'moved'
       when (f_from is not null and f_from <> b_from) or f_to is distinct from b_to then 'changed'
  end`;

const INSERT = `
insert into identity.batch_changes
  (batch_id, id_number, identity_code, change, name, line,
   before_village, before_from, before_to, after_village, after_from, after_to)
select $1::uuid, id_number, identity_code, change, name, line,
       b_village, b_from, b_to,
       case change when 'removed' then null when 'changed' then b_village else f_village end,
       case change when 'removed' then null when 'added' then coalesce(f_from, $4::date)
                   when 'moved' then $4::date else coalesce(f_from, b_from) end,
       case change when 'removed' then ${`coalesce(${endNoEarlierThan('f_to', 'b_from')}, ${DEFAULT_END('b_from', 'b_to', '$4')})`}
                   when 'added' then ${endNoEarlierThan('f_to', 'coalesce(f_from, $4::date)')}
                   when 'moved' then ${endNoEarlierThan('f_to', '$4::date')}
                   else ${endNoEarlierThan('f_to', 'coalesce(f_from, b_from)')} end
from decided
where change is not null
order by id_number, identity_code`;

/**
 * A snapshot: the file full-joined with the department's current spells in the key's scope ($3,
 * '' for all). A pair whose person's current spell lies outside the scope (`outside`: the
 * department has current spells there at all) is moved from there.
 */
function snapshotStatement(cells: FeedCells, anyBad: boolean, outside: boolean): string {
  return `
with f as (${FILE_PAIRS(cells, false, anyBad)}),
s as (
  select id_number, identity_code, region_code, valid_from, valid_to, name
  from identity.spells
  where current and department = $2 and starts_with(region_code, $3::text)
),
protected as (select distinct id from ${BAD_TABLE} where id is not null),
joined as (
  select coalesce(f.id, s.id_number) as id_number, coalesce(f.code, s.identity_code) as identity_code,
         coalesce(f.name, s.name${outside ? ', o.name' : ''}) as name, f.line,
         f.village as f_village, f.from_on as f_from, f.to_on as f_to,
         ${outside ? 'coalesce(s.region_code, o.region_code)' : 's.region_code'} as b_village,
         ${outside ? 'coalesce(s.valid_from, o.valid_from)' : 's.valid_from'} as b_from,
         ${outside ? 'case when s.id_number is null then o.valid_to else s.valid_to end' : 's.valid_to'} as b_to,
         f.id is null as absent, pr.id is not null as is_protected
  from f
  full join s on s.id_number = f.id and s.identity_code = f.code
  left join protected pr on f.id is null and pr.id = s.id_number
  ${
    outside
      ? `left join identity.spells o on s.id_number is null and o.current and o.id_number = f.id
            and o.identity_code = f.code and not starts_with(o.region_code, $3::text)`
      : ''
  }
),
decided as (
  select *, case when absent then (case when is_protected then null else 'removed' end) else ${KEPT_CHANGE} end as change
  from joined
)
${INSERT}`;
}

/** A delta: each row's action against the person's current spell, wherever it is; a removal only inside the scope. */
function deltaStatement(cells: FeedCells, anyBad: boolean): string {
  return `
with f as (${FILE_PAIRS(cells, true, anyBad)}),
joined as (
  select f.id as id_number, f.code as identity_code, coalesce(f.name, s.name) as name, f.line, f.act,
         f.village as f_village, f.from_on as f_from, f.to_on as f_to,
         s.region_code as b_village, s.valid_from as b_from, s.valid_to as b_to,
         s.region_code is not null and starts_with(s.region_code, $3::text) as in_scope
  from f
  left join identity.spells s
    on s.current and s.id_number = f.id and s.identity_code = f.code and s.department = $2
),
decided as (
  select *, case when act = 'remove' then (case when in_scope then 'removed' end) else ${KEPT_CHANGE} end as change
  from joined
)
${INSERT}`;
}

/**
 * Writes the batch's changes into identity.batch_changes and counts them. Parameters: the batch,
 * the department, the key's region (null: the department's whole list) and the period's first day.
 */
export async function computeChanges(
  client: pg.PoolClient,
  cells: FeedCells,
  options: {
    batchId: string;
    department: string;
    scope: string | null;
    periodStart: string;
    mode: FeedMode;
    anyBad: boolean;
  },
): Promise<ChangeCounts> {
  // Moves from outside the scope are looked for only when the department has spells there: two
  // probes of the index on (department, region_code), below the scope's codes and above them.
  const outside =
    options.scope !== null &&
    (
      await client.query(
        `select exists (select 1 from identity.spells where current and department = $1 and region_code < $2)
             or exists (select 1 from identity.spells where current and department = $1 and region_code > $2 || 'z')
             as outside`,
        [options.department, options.scope],
      )
    ).rows[0]?.outside === true;
  const statement =
    options.mode === 'snapshot'
      ? snapshotStatement(cells, options.anyBad, outside)
      : deltaStatement(cells, options.anyBad);
  // A move from outside the scope is counted apart: its spell was not on the scope's list.
  const { rows } = await client.query<{ change: keyof ChangeCounts; inside: boolean; n: number }>(
    `with ins as (${statement} returning change, coalesce(starts_with(before_village, $3::text), true) as inside)
     select change, inside, count(*)::int as n from ins group by change, inside`,
    [options.batchId, options.department, options.scope ?? '', options.periodStart],
  );
  const counts: ChangeCounts = { added: 0, changed: 0, moved: 0, removed: 0, movedFromOutside: 0 };
  for (const r of rows) {
    counts[r.change] += r.n;
    if (r.change === 'moved' && !r.inside) counts.movedFromOutside += r.n;
  }
  return counts;
}

/**
 * Current spells in the scope of people on bad lines that no valid line names: a snapshot keeps
 * them, so they are on the list the guard weighs removals against though no change mentions them.
 */
export async function keptOnBadLines(
  client: pg.PoolClient,
  cells: FeedCells,
  options: { department: string; scope: string | null },
): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::int as n
     from identity.spells s
     join (select distinct id from ${BAD_TABLE} where id is not null) pr on pr.id = s.id_number
     where s.current and s.department = $1 and starts_with(s.region_code, $2)
       and not exists (
         select 1 from ${STAGING_TABLE} r
         join feed_label_codes lc on lc.raw_identity = ${cells.identity} and lc.raw_grade = ${cells.disabilityGrade}
         where r.id = s.id_number and lc.code = s.identity_code
           and not exists (select 1 from ${BAD_TABLE} b where b.line = r.line))`,
    [options.department, options.scope ?? ''],
  );
  return rows[0]?.n ?? 0;
}
