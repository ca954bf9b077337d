import { sql } from 'kysely';
import type { EnrollmentDb } from '../db.js';

const COLUMNS = ['id', 'region_code', 'number', 'head_id_number', 'created_at', 'updated_at'] as const;

export function createHouseholdsRepository(db: EnrollmentDb) {
  return {
    async find(id: string) {
      return db.selectFrom('enrollment.households').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    /** Membership changes lock the household before its persons; every writer keeps that order. */
    async findForUpdate(id: string) {
      return db.selectFrom('enrollment.households').select(COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
    },

    /** Inserts unless the village already has a household with this number; `undefined` means it had. */
    async insert(household: { region_code: string; number: string | null; head_id_number: string }) {
      return db
        .insertInto('enrollment.households')
        .values(household)
        .onConflict((oc) => oc.columns(['region_code', 'number']).where('number', 'is not', null).doNothing())
        .returning(COLUMNS)
        .executeTakeFirst();
    },

    async setHead(id: string, headIdNumber: string | null) {
      return db
        .updateTable('enrollment.households')
        .set({ head_id_number: headIdNumber, updated_at: sql`now()` })
        .where('id', '=', id)
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
    },
  };
}

export type HouseholdRow = NonNullable<Awaited<ReturnType<ReturnType<typeof createHouseholdsRepository>['find']>>>;
