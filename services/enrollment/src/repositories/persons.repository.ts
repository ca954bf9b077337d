import type { Db, PersonsTable } from '@rmi/db';
import type { Insertable } from 'kysely';

const COLUMNS = [
  'id_number',
  'name',
  'sex',
  'birth_date',
  'hukou_region_code',
  'category',
  'phone',
  'created_at',
] as const;

export function createPersonsRepository(db: Db) {
  return {
    async find(idNumber: string) {
      return db.selectFrom('enrollment.persons').select(COLUMNS).where('id_number', '=', idNumber).executeTakeFirst();
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
  };
}
