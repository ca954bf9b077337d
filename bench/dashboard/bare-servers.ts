import type { Db } from '@rmi/db';
import { poolOf } from '@rmi/db';
import Fastify, { type FastifyInstance } from 'fastify';
import { figuresOf, type StoredCounts } from '../../services/reporting/src/progress/figures.js';

// The two servers the dashboard is measured against: fastify with one route each, no auth, no
// GraphQL, pg straight from the pool. Both answer the GraphQL answer's `data`, byte for byte the
// same JSON once parsed, for GET /progress/:code/:year.

/** One row per region: the region asked for and each region one level down, with its counts. */
interface CountsRow extends StoredCounts {
  code: string;
  name: string;
}

/**
 * The statement progressOf runs for a region and its children over the live counters
 * (services/reporting/src/progress/progress.ts, levelRows with totals), with its parameters in the
 * order kysely numbers them: $1 the child code length, $2 $4 $5 the region, $3 the year.
 */
export const COUNTERS_SQL = `
  with inside as (
    select p.code as parent, left(c.village_code, $1) as child,
           c.target, c.registered, c.paid, c.cancelled, c.transferred
    from unnest($2::text[]) as p(code)
    join reporting.village_counters c on c.year = $3 and c.village_code >= p.code and c.village_code < p.code || ':'
  ), sums as (
    select case when grouping(child) = 1 then parent else child end as code, sum(target)::int as target,
           sum(registered)::int as registered, sum(paid)::int as paid, sum(cancelled)::int as cancelled,
           sum(transferred)::int as transferred
    from inside
    group by grouping sets ((parent), (child))
  )
  select r.code, r.name, r.level, r.parent_code, r.child_count::int as child_count, s.target,
         coalesce(s.registered, 0) as registered, coalesce(s.paid, 0) as paid,
         coalesce(s.cancelled, 0) as cancelled, coalesce(s.transferred, 0) as transferred
  from reporting.v_regions r
  left join sums s on s.code = r.code
  where (r.code = any($4::text[]) or r.parent_code = any($5::text[]))
  order by r.code`;

/** Code length one level down, as reporting's childLengthOf. */
const CHILD_LENGTH: Readonly<Record<number, number>> = { 2: 4, 4: 6, 6: 9, 9: 12 };

/**
 * How reporting answered before it kept counters (its progress repository, gone since): the
 * children's enrolments grouped from enrollment's view and their targets from v_targets, the
 * region's own figures summed from its children. It is given the village range rather than the
 * `like 'prefix%'` it had, the one form of "inside the township" an index serves in any collation,
 * so the baseline is the best a plain GROUP BY does.
 */
export const GROUP_BY_SQL = `
  with facts as (
    select village_code as code,
           count(*) filter (where stored_status = 'registered')::int as registered,
           count(*) filter (where stored_status = 'paid')::int as paid,
           count(*) filter (where stored_status = 'cancelled')::int as cancelled,
           count(*) filter (where stored_status = 'transferred')::int as transferred
    from enrollment.v_enrollment_facts
    where year = $2 and village_code >= $1 and village_code < $1 || ':'
    group by 1
  ), targets as (
    select village_code as code, sum(target)::int as target
    from enrollment.v_targets
    where year = $2 and village_code >= $1 and village_code < $1 || ':'
    group by 1
  )
  select r.code, r.name, t.target,
         coalesce(f.registered, 0) as registered, coalesce(f.paid, 0) as paid,
         coalesce(f.cancelled, 0) as cancelled, coalesce(f.transferred, 0) as transferred
  from reporting.v_regions r
  left join facts f on f.code = r.code
  left join targets t on t.code = r.code
  where r.parent_code = $1
  order by r.code`;

/** The fields the dashboard's GraphQL query selects, in its order. */
function node(row: CountsRow) {
  const f = figuresOf(row);
  return {
    region: { code: row.code, name: row.name },
    target: f.target,
    registered: f.registered,
    paid: f.paid,
    rate: f.rate,
    gap: f.gap,
  };
}

export function progressJson(region: CountsRow, children: readonly CountsRow[]) {
  return { progress: { ...node(region), children: children.map(node) } };
}

function sumOf(code: string, name: string, rows: readonly CountsRow[]): CountsRow {
  const sum = (pick: (r: CountsRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  const targets = rows.filter((r) => r.target !== null);
  return {
    code,
    name,
    target: targets.length ? sum((r) => r.target ?? 0) : null,
    registered: sum((r) => r.registered),
    paid: sum((r) => r.paid),
    cancelled: sum((r) => r.cancelled),
    transferred: sum((r) => r.transferred),
  };
}

function bare(): FastifyInstance {
  return Fastify({ logger: false });
}

interface Params {
  code: string;
  year: string;
}

/** One SELECT over the counters per request. */
export function countersServer(db: Db): FastifyInstance {
  const pool = poolOf(db);
  const app = bare();
  app.get<{ Params: Params }>('/progress/:code/:year', async (request, reply) => {
    const { code, year } = request.params;
    const childLength = CHILD_LENGTH[code.length];
    if (childLength === undefined) return reply.code(404).send({ error: 'not a region with children' });
    const regions = [code];
    const { rows } = await pool.query<CountsRow>(COUNTERS_SQL, [childLength, regions, Number(year), regions, regions]);
    const region = rows.find((r) => r.code === code);
    if (!region) return reply.code(404).send({ error: 'no such region' });
    return progressJson(
      region,
      rows.filter((r) => r !== region),
    );
  });
  return app;
}

/** The region's name, then one GROUP BY over the enrolments of its villages, per request. */
export function groupByServer(db: Db): FastifyInstance {
  const pool = poolOf(db);
  const app = bare();
  app.get<{ Params: Params }>('/progress/:code/:year', async (request, reply) => {
    const { code, year } = request.params;
    const found = await pool.query<{ name: string }>('select name from reporting.v_regions where code = $1', [code]);
    const name = found.rows[0]?.name;
    if (name === undefined) return reply.code(404).send({ error: 'no such region' });
    const { rows } = await pool.query<CountsRow>(GROUP_BY_SQL, [code, Number(year)]);
    return progressJson(sumOf(code, name, rows), rows);
  });
  return app;
}
