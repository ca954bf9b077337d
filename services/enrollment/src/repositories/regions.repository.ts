import type { Db } from '@rmi/db';

const COLUMNS = ['code', 'name', 'level', 'parent_code'] as const;

export function createRegionsRepository(db: Db) {
  return {
    async exists(code: string): Promise<boolean> {
      return (
        (await db.selectFrom('core.regions').select('code').where('code', '=', code).executeTakeFirst()) !== undefined
      );
    },

    async find(code: string) {
      return db.selectFrom('core.regions').select(COLUMNS).where('code', '=', code).executeTakeFirst();
    },

    async children(code: string) {
      return db.selectFrom('core.regions').select(COLUMNS).where('parent_code', '=', code).orderBy('code').execute();
    },

    async roots() {
      return db.selectFrom('core.regions').select(COLUMNS).where('parent_code', 'is', null).orderBy('code').execute();
    },

    /** Ancestors, province first: every proper prefix of the code that is a region. */
    async ancestors(code: string) {
      const prefixes = [2, 4, 6, 9].filter((n) => n < code.length).map((n) => code.slice(0, n));
      if (prefixes.length === 0) return [];
      return db.selectFrom('core.regions').select(COLUMNS).where('code', 'in', prefixes).orderBy('code').execute();
    },
  };
}
