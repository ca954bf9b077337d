import { sql } from 'kysely';
import type { ReportingDb } from '../db.js';
import type { RegionRow } from '../regions/regions.repository.js';

export interface VillageProgressOn {
  region: RegionRow;
  target: number;
  /** Paid (transferred after paying included) with a payment day on or before the day. */
  paid: number;
  /** The first day the paid count reached the target, on or before the day; null if it has not. */
  completedOn: string | null;
}

/**
 * Each village of a township with a target for the year, and how far it had come by `on`: the
 * paid count by payment day accumulated day by day (a window over the daily counters), the first
 * day that reached the target.
 */
export async function villagesOn(
  db: ReportingDb,
  townshipCode: string,
  year: number,
  on: string,
): Promise<VillageProgressOn[]> {
  const end = `${townshipCode}:`;
  const { rows } = await sql<{
    code: string;
    name: string;
    level: string;
    parent_code: string | null;
    child_count: number;
    target: number;
    paid: number;
    completed_on: string | null;
  }>`
    with running as (
      select d.village_code, d.day,
             sum(d.paid) over (partition by d.village_code order by d.day) as paid
      from reporting.daily_counters d
      where d.year = ${year} and d.village_code >= ${townshipCode} and d.village_code < ${end}
        and d.day <= ${on}::date
    ), reached as (
      select r.village_code, max(r.paid)::int as paid,
             min(r.day) filter (where r.paid >= c.target)::text as completed_on
      from running r
      join reporting.village_counters c on c.year = ${year} and c.village_code = r.village_code
      group by r.village_code
    )
    select g.code, g.name, g.level, g.parent_code, g.child_count, c.target,
           coalesce(x.paid, 0) as paid, x.completed_on
    from reporting.village_counters c
    join reporting.v_regions g on g.code = c.village_code
    left join reached x on x.village_code = c.village_code
    where c.year = ${year} and c.village_code >= ${townshipCode} and c.village_code < ${end}
      and c.target > 0
    order by c.village_code`.execute(db);
  return rows.map((r) => ({
    region: { code: r.code, name: r.name, level: r.level, parent_code: r.parent_code, child_count: r.child_count },
    target: r.target,
    paid: r.paid,
    completedOn: r.completed_on,
  }));
}
