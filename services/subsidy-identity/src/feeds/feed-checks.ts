import type pg from 'pg';
import { ABSENT, type DecisionProblems, type FeedCells } from './feed-decisions.js';
import { STAGING_TABLE } from './feed-staging.js';

// Every bad line of a staged file, found set-wise in one pass that joins the decisions on its
// cells (feed-decisions.ts): an ID number rules refused, an identity unknown or another
// department's, a village that is none, a bad date or action, a person whose recorded death is
// before the period (PERSON_DECEASED), a person and identity named twice (DUPLICATE_ROW: the
// first counts; CONFLICTING_ROWS: in two villages, none counts). They make `feed_bad`: each bad
// line once with every problem on it, and the person's ID number when it is valid (a person on a
// bad line keeps what they had).

export const BAD_TABLE = 'feed_bad';
const DUPS_TABLE = 'feed_dups';

const problem = (column: string, code: string, message: string) =>
  `jsonb_build_array(jsonb_build_object('column', '${column}', 'code', '${code}', 'message', ${message}))`;

/** Which decisions a statement joins: a decision not joined reads as a row of nulls. */
export interface Joined {
  places: boolean;
  dates: boolean;
  actions: boolean;
}

/**
 * The joins of a staged row `r` with the decisions on its cells (`p`, `df`, `dt`, `a`). A column
 * the header lacks, or a decision not asked for, is a row of nulls rather than a join: a million
 * rows are not joined with nothing.
 */
export function decisionJoins(cells: FeedCells, joined: Joined): string {
  const none = (alias: string, columns: string) => `cross join (select ${columns}) ${alias}`;
  const placeColumns = 'null::text as code, null::jsonb as problem, false as missing';
  const dateColumns = 'null::text as raw, null::date as iso, false as bad';
  const places = !joined.places
    ? none('p', placeColumns)
    : cells.township === ABSENT && cells.village === ABSENT
      ? `cross join (select code, problem, missing from feed_places where raw_township = '' and raw_village = '') p`
      : `left join feed_places p on p.raw_township = ${cells.township} and p.raw_village = ${cells.village}`;
  const date = (alias: string, cell: string) =>
    joined.dates && cell !== ABSENT
      ? `left join feed_dates ${alias} on ${alias}.raw = ${cell}`
      : none(alias, dateColumns);
  const actions = joined.actions
    ? `left join feed_actions a on a.raw = ${cells.action}`
    : none('a', 'null::text as act, null::jsonb as problem');
  return [places, date('df', cells.certifiedOn), date('dt', cells.endedOn), actions].join('\n');
}

/**
 * Lines naming a person and identity again. Only ID numbers seen more than once as the file
 * streamed ($1) are looked at, so a file without repeats costs nothing here.
 */
const DUPLICATES = (cells: FeedCells) => `
create temp table ${DUPS_TABLE} as
with x as (
  select r.line, r.id, lc.code, coalesce(p.code, 'cells ' || ${cells.township} || '/' || ${cells.village}) as village
  from ${STAGING_TABLE} r
  join unnest($1::text[]) as rep(id) on rep.id = r.id
  join feed_label_codes lc on lc.raw_identity = ${cells.identity} and lc.raw_grade = ${cells.disabilityGrade}
  left join feed_places p on p.raw_township = ${cells.township} and p.raw_village = ${cells.village}
), groups as (
  select id, code, min(line) as first_line, count(distinct village) as villages,
         array_agg(line order by line) as lines
  from x group by id, code having count(*) > 1
)
select x.line, jsonb_agg(jsonb_build_object(
  'column', case when g.villages > 1 then 'village' else 'idNumber' end,
  'code', case when g.villages > 1 then 'CONFLICTING_ROWS' else 'DUPLICATE_ROW' end,
  'message', case when g.villages > 1
    then 'the same person and identity (' || g.code || ') in other villages on lines '
         || array_to_string(array_remove(g.lines, x.line), ', ') || '; none counts'
    else 'the same person and identity (' || g.code || ') as line ' || g.first_line || ', which counts' end
) order by g.code) as errors
from x join groups g on g.id = x.id and g.code = x.code
where g.villages > 1 or x.line <> g.first_line
group by x.line`;

/**
 * Every bad line; $1 the period's first day. Only the decisions that refused some value are
 * joined (and a delta's action, which a removal needs): in a clean file the pass reads the rows,
 * their ID numbers' verdicts and the deaths.
 */
const BAD_LINES = (cells: FeedCells, problems: DecisionProblems, delta: boolean, duplicates: boolean) => {
  const bothDates = cells.certifiedOn !== ABSENT && cells.endedOn !== ABSENT;
  const joined = { places: problems.places, dates: problems.dates || bothDates, actions: delta };
  const labels = problems.labels
    ? `left join feed_labels l on l.raw_identity = ${cells.identity} and l.raw_grade = ${cells.disabilityGrade}`
    : 'cross join (select null::jsonb as problem) l';
  const placeRefused = "p.problem is not null and not (p.missing and a.act is not distinct from 'remove')";
  return `
create temp table ${BAD_TABLE} as
select r.line, nullif(r.id, '') as id, ${cells.identity} as raw_identity, ${cells.disabilityGrade} as raw_grade,
       case when r.id_problem is not null then jsonb_build_array(r.id_problem::jsonb) else '[]'::jsonb end
       || coalesce(l.problem, '[]'::jsonb)
       || case when ${placeRefused} then p.problem else '[]'::jsonb end
       || case when df.bad then ${problem('certifiedOn', 'INVALID_DATE', `'"' || btrim(df.raw) || '" is not a date (YYYY-MM-DD)'`)} else '[]'::jsonb end
       || case when dt.bad then ${problem('endedOn', 'INVALID_DATE', `'"' || btrim(dt.raw) || '" is not a date (YYYY-MM-DD)'`)}
               when dt.iso < df.iso then ${problem('endedOn', 'INVALID_DATE', `dt.iso::text || ' is before certifiedOn ' || df.iso::text`)}
               else '[]'::jsonb end
       || coalesce(a.problem, '[]'::jsonb)
       || case when d.died_on is not null
               then ${problem('idNumber', 'PERSON_DECEASED', `'the person died on ' || d.died_on::text || ', before the period'`)}
               else '[]'::jsonb end
       ${duplicates ? `|| coalesce(x.errors, '[]'::jsonb)` : ''} as errors
from ${STAGING_TABLE} r
${labels}
${decisionJoins(cells, joined)}
left join identity.deaths d on d.id_number = r.id and d.died_on < $1::date and a.act is distinct from 'remove'
${duplicates ? `left join ${DUPS_TABLE} x on x.line = r.line` : ''}
where r.id_problem is not null or l.problem is not null or (${placeRefused})
   or df.bad or dt.bad or dt.iso < df.iso or a.problem is not null or d.died_on is not null
   ${duplicates ? 'or x.line is not null' : ''}`;
};

/**
 * Writes `feed_bad (line, id, raw_identity, raw_grade, errors)` and returns how many lines are bad
 * and how many (person, identity) pairs they name.
 */
export async function checkRows(
  client: pg.PoolClient,
  cells: FeedCells,
  options: { periodStart: string; repeatedIds: string[]; delta: boolean; problems: DecisionProblems },
): Promise<{ badLines: number; badPairs: number }> {
  const duplicates = options.repeatedIds.length > 0;
  if (duplicates) await client.query(DUPLICATES(cells), [options.repeatedIds]);
  const bad = await client.query(BAD_LINES(cells, options.problems, options.delta, duplicates), [options.periodStart]);
  const badLines = bad.rowCount ?? 0;
  if (badLines === 0) return { badLines, badPairs: 0 };
  await client.query(`analyze ${BAD_TABLE}`);
  const { rows } = await client.query<{ pairs: string }>(
    `select coalesce(sum(l.ncodes), 0) as pairs from ${BAD_TABLE} b
     join feed_labels l on l.raw_identity = b.raw_identity and l.raw_grade = b.raw_grade`,
  );
  return { badLines, badPairs: Number(rows[0]?.pairs ?? 0) };
}

/** Each bad line into identity.batch_errors once, with every problem on it and its cells as sent (keyed by the header). */
export async function storeErrors(client: pg.PoolClient, batchId: string, header: readonly string[]): Promise<void> {
  const keys = header.map((h, i) => h.trim() || `column ${i + 1}`);
  const cells = header.map((_, i) => `r.c${i}`).join(', ');
  await client.query(
    `insert into identity.batch_errors (batch_id, line, errors, cells)
     select $1::uuid, b.line, b.errors, jsonb_object($2::text[], array[${cells}]::text[])
     from ${BAD_TABLE} b join ${STAGING_TABLE} r using (line)`,
    [batchId, keys],
  );
}
