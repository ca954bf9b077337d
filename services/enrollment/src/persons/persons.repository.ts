import type { HouseholdRelation, PersonsTable } from '@rmi/db';
import { type Insertable, sql, type Updateable } from 'kysely';
import type { EnrollmentDb } from '../db.js';

const COLUMNS = [
  'id_number',
  'name',
  'sex',
  'birth_date',
  'hukou_region_code',
  'category',
  'phone',
  'school',
  'guardian_id_number',
  'household_id',
  'relation',
  'died_on',
  'created_at',
  'updated_at',
] as const;

export interface Page {
  limit: number;
  offset: number;
}

/** `%`, `_` and `\` typed into a name are literal characters, not patterns. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createPersonsRepository(db: EnrollmentDb) {
  return {
    async find(idNumber: string) {
      return db.selectFrom('enrollment.persons').select(COLUMNS).where('id_number', '=', idNumber).executeTakeFirst();
    },

    async findForUpdate(idNumber: string) {
      return db
        .selectFrom('enrollment.persons')
        .select(COLUMNS)
        .where('id_number', '=', idNumber)
        .forUpdate()
        .executeTakeFirst();
    },

    /**
     * Reads the person and keeps them from changing until the transaction ends (a death recorded
     * meanwhile waits), while other readers of the same person go on.
     */
    async findForShare(idNumber: string) {
      return db
        .selectFrom('enrollment.persons')
        .select(COLUMNS)
        .where('id_number', '=', idNumber)
        .forShare()
        .executeTakeFirst();
    },

    /** Inserts unless the ID number is already registered; `undefined` means it was. */
    async insert(person: Insertable<PersonsTable>) {
      return db
        .insertInto('enrollment.persons')
        .values(person)
        .onConflict((oc) => oc.column('id_number').doNothing())
        .returning(COLUMNS)
        .executeTakeFirst();
    },

    async update(idNumber: string, changes: Updateable<PersonsTable>) {
      return db
        .updateTable('enrollment.persons')
        .set({ ...changes, updated_at: sql`now()` })
        .where('id_number', '=', idNumber)
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
    },

    /**
     * A village's register by name, optionally only names starting with `namePrefix`. The
     * (hukou_region_code, name) index narrows to the village; a village is small enough that the
     * prefix filter needs no pattern index of its own.
     */
    async inVillage(villageCode: string, namePrefix: string | undefined, page: Page) {
      let query = db.selectFrom('enrollment.persons').select(COLUMNS).where('hukou_region_code', '=', villageCode);
      if (namePrefix) query = query.where('name', 'like', likePrefix(namePrefix));
      return query.orderBy('name').orderBy('id_number').limit(page.limit).offset(page.offset).execute();
    },

    /** The head first, then the eldest. */
    async inHousehold(householdId: string, page: Page = { limit: 1000, offset: 0 }) {
      return db
        .selectFrom('enrollment.persons')
        .select(COLUMNS)
        .where('household_id', '=', householdId)
        .orderBy(sql`relation = 'head'`, 'desc')
        .orderBy('birth_date')
        .orderBy('id_number')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
    },

    /**
     * Locks the persons named and everyone now in the household, in key order so two membership
     * changes cannot deadlock on each other. Call with the household itself already locked.
     */
    async lockForMembership(idNumbers: string[], householdId: string | null) {
      return db
        .selectFrom('enrollment.persons')
        .select(['id_number', 'hukou_region_code', 'household_id', 'relation'])
        .where((eb) =>
          eb.or([eb('id_number', 'in', idNumbers), ...(householdId ? [eb('household_id', '=', householdId)] : [])]),
        )
        .orderBy('id_number')
        .forUpdate()
        .execute();
    },

    async joinHousehold(householdId: string, members: { idNumber: string; relation: HouseholdRelation }[]) {
      if (members.length === 0) return;
      const rows = sql.join(members.map((m) => sql`(${m.idNumber}::char(18), ${m.relation}::text)`));
      await sql`
        update enrollment.persons p
        set household_id = ${householdId}::uuid, relation = v.relation, updated_at = now()
        from (values ${rows}) as v (id_number, relation)
        where p.id_number = v.id_number`.execute(db);
    },

    async leaveHousehold(idNumbers: string[]) {
      if (idNumbers.length === 0) return;
      await db
        .updateTable('enrollment.persons')
        .set({ household_id: null, relation: null, updated_at: sql`now()` })
        .where('id_number', 'in', idNumbers)
        .execute();
    },
  };
}

export type PersonsRepository = ReturnType<typeof createPersonsRepository>;
export type PersonRow = NonNullable<Awaited<ReturnType<PersonsRepository['find']>>>;
