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

/** The key of a fact row within its file, as import-row-facts.ts's rowKey writes it. */
const KEY = `(case when f.rev then 'R' else 'P' end) || chr(1) || f.chan || chr(1) || case when f.rev then f.orig else f.vch end`;

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
 * Lines repeating an earlier line's key. Only keys seen more than once as the file streamed ($1)
 * are looked at, so a file without repeats costs nothing here. Content: what the payer sent (a
 * reversal: its person and own voucher).
 */
const REPEATS = `
with x as (
  select f.line, f.rev,
         case when f.rev then concat_ws('|', f.id, f.rvch)
              else concat_ws('|', f.id, f.amt, f.ast, f.paid_at, f.precise, f.tier) end as content,
         ${KEY} as k
  from ${FACTS_TABLE} f
  join unnest($1::text[]) as rep(k) on rep.k = ${KEY}
  where f.state is null
), g as (
  select line, rev, content,
         first_value(line) over w as first_line, first_value(content) over w as first_content
  from x window w as (partition by k order by line)
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
  if (options.repeatedKeys.length > 0) await client.query(REPEATS, [options.repeatedKeys]);
  await client.query(`analyze ${FACTS_TABLE}`);
  const states: Record<string, number> = {};
  const marked = await client.query<{ state: string; n: number }>(
    `select state, count(*)::int as n from ${FACTS_TABLE} where state is not null group by state`,
  );
  for (const row of marked.rows) states[row.state] = row.n;
  return { badCells, states };
}
