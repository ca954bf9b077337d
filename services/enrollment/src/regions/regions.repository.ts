import type { EnrollmentDb } from '../db.js';

const COLUMNS = ['code', 'name', 'level', 'parent_code'] as const;

const ancestorPrefixes = (code: string) => [2, 4, 6, 9].filter((n) => n < code.length).map((n) => code.slice(0, n));

export function createRegionsRepository(db: EnrollmentDb) {
  return {
    async exists(code: string): Promise<boolean> {
      return (
        (await db.selectFrom('core.regions').select('code').where('code', '=', code).executeTakeFirst()) !== undefined
      );
    },

    async find(code: string) {
      return db.selectFrom('core.regions').select(COLUMNS).where('code', '=', code).executeTakeFirst();
    },

    async roots() {
      return db.selectFrom('core.regions').select(COLUMNS).where('parent_code', 'is', null).orderBy('code').execute();
    },

    /**
     * The region, its ancestors (province first) and its children in one round trip; ancestors are
     * the proper prefixes of the code that are regions, since division codes nest by prefix.
     */
    async withFamily(code: string) {
      const prefixes = ancestorPrefixes(code);
      const rows = await db
        .selectFrom('core.regions')
        .select(COLUMNS)
        .where((eb) =>
          eb.or([
            eb('code', '=', code),
            eb('parent_code', '=', code),
            ...(prefixes.length ? [eb('code', 'in', prefixes)] : []),
          ]),
        )
        .orderBy('code')
        .execute();
      const region = rows.find((r) => r.code === code);
      if (!region) return undefined;
      return {
        region,
        path: rows.filter((r) => r.code !== code && code.startsWith(r.code)),
        children: rows.filter((r) => r.parent_code === code),
      };
    },
  };
}

export type RegionRow = NonNullable<Awaited<ReturnType<ReturnType<typeof createRegionsRepository>['find']>>>;
