import type pg from 'pg';
import { STAGING_TABLE } from './import-staging.js';

// The checks of a staged export that need no lock, set-wise, before the import waits for its
// turn: the rows whose cells are fine (import-row-facts.ts decided each cell) become `pay_facts`,
// typed, with the person's village (their enrolment of the year in enrollment.v_enrollment_facts,
// else a 12-digit 统筹地区 / 参保地) and their region; then rows outside the key's region
// (OUT_OF_SCOPE) and rows repeating an earlier row of the file are marked in `state`:
//   'scope'         the row's person or region is outside the key's region
//   'dup'           the same payment (or reversal) as an earlier line, same content: duplicateRows
//   'reused-file'   the voucher of an earlier line with other content: VOUCHER_REUSED
//   'already-file'  the payment an earlier line reverses, reversed again otherwise: ALREADY_REVERSED
// with `first_line`, the earlier line.

export const FACTS_TABLE = 'pay_facts';

/** Whitespace a cell is trimmed of (ASCII, the ideographic space, no-break space), as JavaScript's trim does for these. */
const WHITESPACE = `' \t\r\n\u3000\u00a0'`;

/**
 * A cell kept as written (姓名, 税务机关代码, 代缴类别, 请款批次): trimmed, Excel's text guard `'`
 * dropped, as import-values.ts's cellText reads the cells it decides; NULL when empty or absent.
 */
function keptText(column: string | undefined): string {
  if (column === undefined) return 'null::text';
  const trimmed = `btrim(r.${column}, ${WHITESPACE})`;
  return `nullif(case when left(${trimmed}, 1) = '''' then btrim(substr(${trimmed}, 2), ${WHITESPACE}) else ${trimmed} end, '')`;
}

/** The staged columns of the cells kept as written. */
export interface KeptColumns {
  payer: string | undefined;
  office: string | undefined;
  category: string | undefined;
  batch: string | undefined;
}

const FACTS = (kept: KeptColumns) => `
create temp table ${FACTS_TABLE} as
select r.line, r.id, r.vch, r.orig, r.rvch, r.chan, r.rev is not null as rev,
       r.amt::bigint as amt, r.ast::bigint as ast, r.paid_at::timestamptz as paid_at, r.precise is not null as precise,
       r.tier::smallint as tier,
       coalesce(e.village_code, case when length(r.region) = 12 then r.region end)::varchar(12) as village,
       coalesce(e.village_code, r.region) as region,
       e.id_number is not null as enrolled,
       ${keptText(kept.office)} as office, ${keptText(kept.category)} as category,
       ${keptText(kept.batch)} as batch, ${keptText(kept.payer)} as payer,
       case when $2::text <> '' and not starts_with(coalesce(e.village_code, r.region, ''), $2::text) then 'scope' end as state,
       null::int as first_line
from ${STAGING_TABLE} r
left join (select id_number::text as id_number, village_code from enrollment.v_enrollment_facts where year = $1::int) e
  on e.id_number = r.id
where r.problems is null`;

/**
 * Lines repeating an earlier line's key. Only keys seen more than once as the file streamed ($1:
 * kinds P or R, $2: channels, $3: vouchers) are looked at, each joined on the staged columns
 * themselves (a key built for every row of a million cost more than the rest of this), so a file
 * without repeats costs nothing here. Content: what the payer sent (a reversal: its person and
 * own voucher).
 */
const REPEATS = `
with rep as (
  select distinct kind = 'R' as rev, chan, vch from unnest($1::text[], $2::text[], $3::text[]) as k(kind, chan, vch)
), x as (
  select f.line, f.rev, f.chan, f.vch as k,
         concat_ws('|', f.id, f.amt, f.ast, f.paid_at, f.precise, f.tier) as content
  from ${FACTS_TABLE} f join rep on not rep.rev and rep.chan = f.chan and rep.vch = f.vch
  where not f.rev and f.state is null
  union all
  select f.line, f.rev, f.chan, f.orig, concat_ws('|', f.id, f.rvch)
  from ${FACTS_TABLE} f join rep on rep.rev and rep.chan = f.chan and rep.vch = f.orig
  where f.rev and f.state is null
), g as (
  select line, rev, content,
         first_value(line) over w as first_line, first_value(content) over w as first_content
  from x window w as (partition by rev, chan, k order by line)
)
update ${FACTS_TABLE} f
set state = case when g.content = g.first_content then 'dup' when g.rev then 'already-file' else 'reused-file' end,
    first_line = g.first_line
from g
where f.line = g.line and g.line <> g.first_line`;

export interface CheckedRows {
  /** Lines with a bad cell. */
  badCells: number;
  /** Lines marked in pay_facts.state, by state. */
  states: Record<string, number>;
}

/**
 * Builds `pay_facts` from the staged rows and marks the lines outside the key's region and the
 * in-file repeats. `scope`: the key's region ('' for none); `repeatedKeys`: keys seen twice.
 */
export async function checkRows(
  client: pg.PoolClient,
  options: { year: number; scope: string; rows: number; repeatedKeys: string[]; kept: KeptColumns },
): Promise<CheckedRows> {
  const facts = await client.query(FACTS(options.kept), [options.year, options.scope]);
  const badCells = options.rows - (facts.rowCount ?? 0);
  if (options.repeatedKeys.length > 0) {
    const parts = options.repeatedKeys.map((key) => key.split('\u0001'));
    await client.query(REPEATS, [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2])]);
  }
  // The row count and a few small columns' statistics are what the comparisons' plans need; those of
  // every text column (a third of a million-row file sampled) cost more than the statements.
  await client.query(`analyze ${FACTS_TABLE} (line, rev, state)`);
  const states: Record<string, number> = {};
  const marked = await client.query<{ state: string; n: number }>(
    `select state, count(*)::int as n from ${FACTS_TABLE} where state is not null group by state`,
  );
  for (const row of marked.rows) states[row.state] = row.n;
  return { badCells, states };
}
