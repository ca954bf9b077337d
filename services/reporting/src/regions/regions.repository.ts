import type { ReportingDb } from '../db.js';

/** A region as reporting reads it (reporting.v_regions). */
export interface RegionRow {
  code: string;
  name: string;
  level: string;
  parent_code: string | null;
  child_count: number;
}

/** Reads the division tree through the reporting view, never core's table directly. */
export function createRegionViewRepository(db: ReportingDb) {
  const base = () =>
    db.selectFrom('reporting.v_regions').select(['code', 'name', 'level', 'parent_code', 'child_count']);
  return {
    find: (code: string) => base().where('code', '=', code).executeTakeFirst(),
    childrenOf: (codes: readonly string[]) =>
      base()
        .where('parent_code', 'in', [...codes])
        .orderBy('code')
        .execute(),
    roots: () => base().where('parent_code', 'is', null).orderBy('code').execute(),
  };
}
