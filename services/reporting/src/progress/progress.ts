import { NotFoundError, type Principal, ValidationError } from '@rmi/service-kit';
import { sql } from 'kysely';
import type { ReportingDb } from '../db.js';
import type { ReportingDeps } from '../deps.js';
import type { RegionRow } from '../regions/regions.repository.js';
import { figuresOf, type ProgressNode, type StoredCounts } from './figures.js';
import { childLengthOf, civilDateArg, reportPolicy } from './report-scope.js';
import { snapshotFor } from './snapshot-lookup.js';

/** Where figures are read from: the live counters, or the village rows of one week's snapshot. */
export interface FiguresSource {
  year: number;
  /** The day asked for (null: live). */
  asOf: string | null;
  snapshotId: string | null;
}

type Row = RegionRow & StoredCounts;

/**
 * A region's figures for a year and each region one level down, in one statement over the
 * counters (or over the snapshot of the week holding `asOf`). OUT_OF_SCOPE outside the key's
 * region, REGION_NOT_FOUND for an unknown region, VALIDATION_FAILED for a year with no policy or
 * a day with no snapshot.
 */
export async function progressOf(
  deps: ReportingDeps,
  principal: Principal,
  args: { regionCode: string; year: number; asOf?: string | null },
): Promise<ProgressNode> {
  return (await progressTree(deps, principal, args)).node;
}

/** progressOf, with the source its figures were read from (for the levels further down). */
export async function progressTree(
  deps: ReportingDeps,
  principal: Principal,
  args: { regionCode: string; year: number; asOf?: string | null },
): Promise<{ node: ProgressNode; source: FiguresSource }> {
  const { regionCode, year } = args;
  await reportPolicy(deps, principal, regionCode, year);
  const asOf = args.asOf ?? null;
  // The live counters need no look-up, so the dashboard's path does not wait on one.
  const source = asOf === null ? liveSource(year) : await figuresSource(deps, year, asOf);
  const rows = await levelRows(deps.db, source, [regionCode], true);
  let self: Row | undefined;
  const children: ProgressNode[] = [];
  for (const row of rows) {
    if (row.code === regionCode) self = row;
    else if (row.parent_code === regionCode) children.push(nodeOf(row, source));
  }
  if (!self) throw new NotFoundError('REGION_NOT_FOUND', `No region ${regionCode}.`);
  const node = nodeOf(self, source);
  node.children = children;
  return { node, source };
}

/** The live counters, or the snapshot of the week holding `asOf`: none taken is VALIDATION_FAILED. */
export async function figuresSource(deps: ReportingDeps, year: number, asOf: string | null): Promise<FiguresSource> {
  if (asOf === null) return liveSource(year);
  civilDateArg('asOf', asOf);
  const snapshot = await snapshotFor(deps, year, asOf);
  if (!snapshot) {
    throw new ValidationError(
      [{ path: 'asOf', message: `No snapshot of ${year} was taken for the week holding ${asOf}.` }],
      `asOf ${asOf}: no snapshot of ${year} was taken for the week holding that day.`,
    );
  }
  return { year, asOf, snapshotId: snapshot.id };
}

const liveSource = (year: number): FiguresSource => ({ year, asOf: null, snapshotId: null });

/**
 * The children of many regions of one level, with their figures from one source, in one
 * statement: what the GraphQL loader asks for each level of the tree, however wide. Keyed by
 * parent code; a parent without children (a village) maps to an empty list.
 */
export async function childrenOf(
  db: ReportingDb,
  source: FiguresSource,
  parentCodes: readonly string[],
): Promise<Map<string, ProgressNode[]>> {
  const out = new Map<string, ProgressNode[]>(parentCodes.map((code) => [code, []]));
  // Children are one level down from each parent, so parents of one length are asked together.
  const byLength = new Map<number, string[]>();
  for (const code of new Set(parentCodes)) {
    if (childLengthOf(code) === undefined) continue;
    byLength.set(code.length, [...(byLength.get(code.length) ?? []), code]);
  }
  for (const codes of byLength.values()) {
    for (const row of await levelRows(db, source, codes, false)) {
      out.get(row.parent_code as string)?.push(nodeOf(row, source));
    }
  }
  return out;
}

// Built field by field: object rest and spread over a row cost microseconds a call in V8, and the
// dashboard's query builds one node per village of a township on every request.
function nodeOf(row: Row, source: FiguresSource): ProgressNode {
  const f = figuresOf(row);
  return {
    target: f.target,
    registered: f.registered,
    unpaid: f.unpaid,
    paid: f.paid,
    cancelled: f.cancelled,
    transferred: f.transferred,
    rate: f.rate,
    gap: f.gap,
    region: {
      code: row.code,
      name: row.name,
      level: row.level,
      parent_code: row.parent_code,
      child_count: row.child_count,
    },
    year: source.year,
    asOf: source.asOf,
    children: [],
  };
}

// The fixed parts of levelRows' statement, built once.
const BY_CHILD = sql`group by child`;
const CHILD = sql`child`;
const BY_PARENT_AND_CHILD = sql`group by grouping sets ((parent), (child))`;
const PARENT_OR_CHILD = sql`case when grouping(child) = 1 then parent else child end`;
const BY_PARENT = sql`group by parent`;
const PARENT = sql`parent`;

/**
 * One statement: the village rows inside the parents (all of the same code length) summed by the
 * child they lie in, and with `totals` by parent too (grouping sets), joined to the regions so a
 * child without a row reads zeros. Each parent's villages are a range of the primary key.
 */
async function levelRows(
  db: ReportingDb,
  source: FiguresSource,
  parentCodes: readonly string[],
  totals: boolean,
): Promise<Row[]> {
  const childLength = childLengthOf(parentCodes[0] as string) ?? 12;
  const villages =
    source.snapshotId === null
      ? sql`reporting.village_counters c on c.year = ${source.year}`
      : sql`reporting.snapshot_villages c on c.snapshot_id = ${source.snapshotId}::uuid`;
  const hasChildren = childLengthOf(parentCodes[0] as string) !== undefined;
  const [grouping, key, regions] = !totals
    ? [BY_CHILD, CHILD, sql`r.parent_code = any(${parentCodes}::text[])`]
    : hasChildren
      ? [
          BY_PARENT_AND_CHILD,
          PARENT_OR_CHILD,
          sql`(r.code = any(${parentCodes}::text[]) or r.parent_code = any(${parentCodes}::text[]))`,
        ]
      : [BY_PARENT, PARENT, sql`r.code = any(${parentCodes}::text[])`];
  const { rows } = await sql<Row>`
    with inside as (
      select p.code as parent, left(c.village_code, ${childLength}) as child,
             c.target, c.registered, c.paid, c.cancelled, c.transferred
      from unnest(${parentCodes}::text[]) as p(code)
      join ${villages} and c.village_code >= p.code and c.village_code < p.code || ':'
    ), sums as (
      select ${key} as code, sum(target)::int as target, sum(registered)::int as registered,
             sum(paid)::int as paid, sum(cancelled)::int as cancelled, sum(transferred)::int as transferred
      from inside
      ${grouping}
    )
    select r.code, r.name, r.level, r.parent_code, r.child_count::int as child_count, s.target,
           coalesce(s.registered, 0) as registered, coalesce(s.paid, 0) as paid,
           coalesce(s.cancelled, 0) as cancelled, coalesce(s.transferred, 0) as transferred
    from reporting.v_regions r
    left join sums s on s.code = r.code
    where ${regions}
    order by r.code`.execute(db);
  return rows;
}
