import { sql } from 'kysely';
import type { ReportingDb } from '../db.js';
import type { StoredCounts } from '../progress/figures.js';
import type { RegionRow } from '../regions/regions.repository.js';

/** A village of a township with its stored counts (zero when it has none that year). */
export interface VillageCounts extends StoredCounts {
  region: RegionRow;
}

export interface WeekTotals {
  week: string;
  closed: boolean;
  /** Sum of the village targets. */
  target: number;
  /** Paid, transferred after paying included. */
  paid: number;
}

/** Every village of a township, from a snapshot or from the live counters of a year. */
export function createWeekFiguresRepository(db: ReportingDb) {
  const villages = (townshipCode: string) =>
    db
      .selectFrom('reporting.v_regions as r')
      .select(['r.code', 'r.name', 'r.level', 'r.parent_code', 'r.child_count'])
      .where('r.parent_code', '=', townshipCode)
      .where('r.level', '=', 'village')
      .orderBy('r.code');
  type Row = {
    code: string;
    name: string;
    level: string;
    parent_code: string | null;
    child_count: number;
    target: number | null;
    registered: number | null;
    paid: number | null;
    cancelled: number | null;
    transferred: number | null;
  };
  const toCounts = (r: Row): VillageCounts => ({
    region: { code: r.code, name: r.name, level: r.level, parent_code: r.parent_code, child_count: r.child_count },
    target: r.target,
    registered: r.registered ?? 0,
    paid: r.paid ?? 0,
    cancelled: r.cancelled ?? 0,
    transferred: r.transferred ?? 0,
  });
  const counts = ['c.target', 'c.registered', 'c.paid', 'c.cancelled', 'c.transferred'] as const;

  return {
    async liveVillages(townshipCode: string, year: number): Promise<VillageCounts[]> {
      const rows = await villages(townshipCode)
        .leftJoin('reporting.village_counters as c', (j) =>
          j.onRef('c.village_code', '=', 'r.code').on('c.year', '=', year),
        )
        .select(counts)
        .execute();
      return rows.map(toCounts);
    },

    async snapshotVillages(townshipCode: string, snapshotId: string): Promise<VillageCounts[]> {
      const rows = await villages(townshipCode)
        .leftJoin('reporting.snapshot_villages as c', (j) =>
          j.onRef('c.village_code', '=', 'r.code').on('c.snapshot_id', '=', snapshotId),
        )
        .select(counts)
        .execute();
      return rows.map(toCounts);
    },

    /** A region's totals in each snapshot of a year but `exceptWeek`, the latest `limit` weeks, newest first. */
    async snapshotTotals(regionCode: string, year: number, exceptWeek: string, limit: number): Promise<WeekTotals[]> {
      const { rows } = await sql<WeekTotals>`
        select s.week, s.closed,
               coalesce(sum(v.target), 0)::int as target,
               coalesce(sum(v.paid + v.transferred), 0)::int as paid
        from reporting.snapshots s
        left join reporting.snapshot_villages v
          on v.snapshot_id = s.id and v.village_code >= ${regionCode} and v.village_code < ${`${regionCode}:`}
        where s.year = ${year} and s.week <> ${exceptWeek}
        group by s.id, s.week, s.closed
        order by s.week desc
        limit ${limit}`.execute(db);
      return rows;
    },

    /** A region's totals in the live counters of a year. */
    async liveTotals(regionCode: string, year: number): Promise<{ target: number; paid: number }> {
      const { rows } = await sql<{ target: number; paid: number }>`
        select coalesce(sum(c.target), 0)::int as target,
               coalesce(sum(c.paid + c.transferred), 0)::int as paid
        from reporting.village_counters c
        where c.year = ${year} and c.village_code >= ${regionCode} and c.village_code < ${`${regionCode}:`}`.execute(
        db,
      );
      return rows[0] ?? { target: 0, paid: 0 };
    },
  };
}
