import { PERSON_CATEGORIES, QUOTE_CATEGORIES, ROLES, STUDENT_STATUSES } from '@rmi/rules';
import { sql } from 'kysely';
import t from 'tap';
import { createTestDatabase } from '../src/testing.js';

// The vocabularies are listed once, in rules; the column types of database.ts derive from them,
// and the migrations' CHECK constraints are the one copy the database keeps. A value added to a
// list without a migration (or the reverse) would be accepted by the API and refused by the
// database, or the other way round: the two must name the same values.

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());

async function allowedBy(table: string, column: string): Promise<string[]> {
  const { rows } = await sql<{ def: string }>`
    select pg_get_constraintdef(c.oid) as def
      from pg_constraint c
     where c.conrelid = ${table}::regclass and c.contype = 'c'
       and c.conkey = array[(select attnum from pg_attribute where attrelid = ${table}::regclass and attname = ${column})]
  `.execute(tdb.db);
  return rows.flatMap((r) => [...r.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1] as string)).sort();
}

const cases = [
  { table: 'core.api_keys', column: 'role', list: ROLES, name: 'ROLES' },
  { table: 'enrollment.persons', column: 'category', list: PERSON_CATEGORIES, name: 'PERSON_CATEGORIES' },
  { table: 'enrollment.enrolments', column: 'category', list: QUOTE_CATEGORIES, name: 'QUOTE_CATEGORIES' },
  { table: 'enrollment.enrolments', column: 'student_status', list: STUDENT_STATUSES, name: 'STUDENT_STATUSES' },
];

for (const c of cases) {
  t.test(`${c.table}.${c.column} takes exactly ${c.name}`, async (t) => {
    t.same(await allowedBy(c.table, c.column), [...c.list].sort(), `the CHECK constraint lists ${c.name} of rules`);
  });
}
