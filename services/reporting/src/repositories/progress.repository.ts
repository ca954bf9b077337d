import { sql } from 'kysely';
import type { ReportingDb } from '../db.js';

export interface ProgressRow {
  code: string;
  name: string;
  target: number | null;
  registered: number;
  paid: number;
  cancelled: number;
  transferred: number;
}

/** Code length of the next level down: province 2 → city 4 → county 6 → township 9 → village 12. */
const CHILD_LENGTH: Record<number, number> = { 2: 4, 4: 6, 6: 9, 9: 12 };

/**
 * Enrolment counts and targets of a region's children for a year, from the views enrollment
 * publishes (v_enrollment_facts, v_targets). Each source is aggregated once by child prefix, so
 * the cost follows the region's enrolments, not the number of children.
 */
export function createProgressRepository(db: ReportingDb) {
  return {
    async childrenOf(regionCode: string, year: number): Promise<ProgressRow[]> {
      const length = CHILD_LENGTH[regionCode.length];
      if (!length) return [];
      const prefix = `${regionCode}%`;
      const result = await sql<ProgressRow>`
        with facts as (
          select left(village_code, ${length}) as code,
                 count(*) filter (where stored_status = 'registered')::int as registered,
                 count(*) filter (where stored_status = 'paid')::int as paid,
                 count(*) filter (where stored_status = 'cancelled')::int as cancelled,
                 count(*) filter (where stored_status = 'transferred')::int as transferred
          from enrollment.v_enrollment_facts
          where year = ${year} and village_code like ${prefix}
          group by 1
        ), targets as (
          select left(village_code, ${length}) as code, sum(target)::int as target
          from enrollment.v_targets
          where year = ${year} and village_code like ${prefix}
          group by 1
        )
        select r.code, r.name, t.target,
               coalesce(f.registered, 0) as registered, coalesce(f.paid, 0) as paid,
               coalesce(f.cancelled, 0) as cancelled, coalesce(f.transferred, 0) as transferred
        from reporting.v_regions r
        left join facts f on f.code = r.code
        left join targets t on t.code = r.code
        where r.parent_code = ${regionCode}
        order by r.code`.execute(db);
      return result.rows;
    },
  };
}
