import type { RegionLevel, TargetsTable } from '@rmi/db';
import { type RawBuilder, sql } from 'kysely';
import type { EnrollmentDb } from '../db.js';

export interface TargetInput {
  regionCode: string;
  target: number;
  source: string | null;
}

export type ComputedBasis = Exclude<TargetsTable['basis'], 'loaded'>;

export interface TargetRow {
  region_code: string;
  region_name: string;
  year: number;
  target: number;
  basis: TargetsTable['basis'];
  basis_date: string | null;
  source: string | null;
  set_by: string | null;
  set_at: Date;
}

export interface WrittenTargetRow extends TargetRow {
  inserted: boolean;
}

/**
 * Categories whose hukou is elsewhere: they enrol on a residence permit or as foreigners, so they
 * are not part of a village's 户籍人数 even though they are registered under it.
 */
const NON_HUKOU_CATEGORIES = ['residence-permit', 'foreign-permanent-resident', 'hk-macau-taiwan'];

export function createTargetsRepository(db: EnrollmentDb) {
  /**
   * Upserts the rows `incoming` selects (columns code, target, source) and answers the rows written
   * with their village names. Rows go in code order so concurrent batches lock alike instead of
   * deadlocking.
   */
  async function upsert(
    year: number,
    basis: TargetsTable['basis'],
    basisDate: string | null,
    setBy: string | null,
    incoming: RawBuilder<unknown>,
  ): Promise<WrittenTargetRow[]> {
    const { rows } = await sql<WrittenTargetRow>`
      with incoming as (${incoming}),
      written as (
        insert into core.targets as t (region_code, year, target, basis, basis_date, source, set_by, set_at)
        select i.code, ${year}::integer, i.target, ${basis}, ${basisDate}::date, i.source, ${setBy}::uuid, now()
        from incoming i
        order by i.code
        on conflict (region_code, year) do update
          set target = excluded.target, basis = excluded.basis, basis_date = excluded.basis_date,
              source = excluded.source, set_by = excluded.set_by, set_at = excluded.set_at
        returning t.*, (t.xmax = 0) as inserted
      )
      select w.region_code, r.name as region_name, w.year, w.target, w.basis, w.basis_date, w.source,
             w.set_by, w.set_at, w.inserted
      from written w
      join core.regions r on r.code = w.region_code
      order by w.region_code
    `.execute(db);
    return rows;
  }

  return {
    /** The level of each of `codes` that is a stored region; one query for a whole batch. */
    async levelsOf(codes: readonly string[]): Promise<Map<string, RegionLevel>> {
      const unique = [...new Set(codes)];
      if (unique.length === 0) return new Map();
      const rows = await db
        .selectFrom('core.regions')
        .select(['code', 'level'])
        .where(sql<boolean>`code = any(${unique}::text[])`)
        .execute();
      return new Map(rows.map((r) => [r.code, r.level]));
    },

    async findRegion(code: string) {
      return db
        .selectFrom('core.regions')
        .select(['code', 'name', 'level'])
        .where('code', '=', code)
        .executeTakeFirst();
    },

    /** Targets an operator states; the caller has checked every code is an in-scope village. */
    async setLoaded(year: number, targets: readonly TargetInput[], setBy: string | null): Promise<WrittenTargetRow[]> {
      return upsert(
        year,
        'loaded',
        null,
        setBy,
        sql`select x.code, x.target, x.source
          from unnest(
            ${targets.map((t) => t.regionCode)}::text[],
            ${targets.map((t) => t.target)}::integer[],
            ${targets.map((t) => t.source)}::text[]
          ) as x(code, target, source)`,
      );
    },

    /**
     * One target per village under `regionCode`, counted from this service's register; a village
     * nobody is counted in gets 0. The notices set the base the targets are scored against
     * (002_760418c3a3365474.txt#八(一) has villages break it down, 003_01f4ef08c34ea7cb.txt#八(四)
     * scores completion against it); how each basis is read:
     *
     * - hukou-population: 002_760418c3a3365474.txt#一 takes "2022年10月30日实际户籍人数" as the
     *   base of the 2023 targets. A person counts for their hukou village when registered here by
     *   the end of `date` (Shanghai time) and not dead before `date`.
     * - enrolled-on-date: 003_01f4ef08c34ea7cb.txt#一 takes "2024年9月30日止实际参保人数" as the base
     *   of the 2025 targets. That day is the last a 2024 payment could be made
     *   (000_9c4e2275e911b0e9.txt#五(三)), so the count is of `year - 1` enrolments in the village
     *   paid by `date` and still held on it: paid or transferred, or cancelled after `date`. 2025
     *   payments already made in the concentrated period opened 2024-09-14
     *   (003_01f4ef08c34ea7cb.txt#三) do not count.
     */
    async compute(
      year: number,
      regionCode: string,
      basis: ComputedBasis,
      date: string,
      source: string | null,
      setBy: string | null,
    ): Promise<WrittenTargetRow[]> {
      const under = `${regionCode}%`;
      const counted =
        basis === 'hukou-population'
          ? sql`select p.hukou_region_code as code, count(*) as n
              from enrollment.persons p
              where p.hukou_region_code like ${under}
                and p.created_at < (${date}::date + 1)::timestamp at time zone 'Asia/Shanghai'
                and (p.died_on is null or p.died_on >= ${date}::date)
                and p.category <> all(${NON_HUKOU_CATEGORIES}::text[])
              group by p.hukou_region_code`
          : sql`select e.region_code as code, count(*) as n
              from enrollment.enrolments e
              where e.year = ${year - 1}::integer
                and e.region_code like ${under}
                and e.paid_on <= ${date}::date
                and (e.status in ('paid', 'transferred')
                     or (e.status = 'cancelled' and e.cancelled_on > ${date}::date))
              group by e.region_code`;
      return upsert(
        year,
        basis,
        date,
        setBy,
        sql`select v.code, coalesce(c.n, 0)::integer as target, ${source}::text as source
          from core.regions v
          left join (${counted}) c on c.code = v.code
          where v.level = 'village' and v.code like ${under}`,
      );
    },

    /** Targets of the villages under `regionCode` (every village when null), in code order. */
    async list(year: number, regionCode: string | null): Promise<TargetRow[]> {
      let q = db
        .selectFrom('core.targets as t')
        .innerJoin('core.regions as r', 'r.code', 't.region_code')
        .select([
          't.region_code',
          'r.name as region_name',
          't.year',
          't.target',
          't.basis',
          't.basis_date',
          't.source',
          't.set_by',
          't.set_at',
        ])
        .where('t.year', '=', year)
        .orderBy('t.region_code');
      if (regionCode) q = q.where('t.region_code', 'like', `${regionCode}%`);
      return q.execute();
    },
  };
}

export type TargetsRepository = ReturnType<typeof createTargetsRepository>;
