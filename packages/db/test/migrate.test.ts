import { sql } from 'kysely';
import t from 'tap';
import { migrate, migrationFileNames, pendingMigrations, SCHEMAS } from '../src/migrate.js';
import { createTestDatabase } from '../src/testing.js';

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());

t.test('the template is fully migrated: nothing pending', async (t) => {
  t.same(await pendingMigrations(tdb.db), []);
});

t.test('running migrations again is a no-op', async (t) => {
  const before = await sql<{ n: string }>`select count(*) as n from core.kysely_migration`.execute(tdb.db);
  const results = await migrate(tdb.db);
  t.same(results, [], 'no migration ran');
  const after = await sql<{ n: string }>`select count(*) as n from core.kysely_migration`.execute(tdb.db);
  t.equal(after.rows[0]?.n, before.rows[0]?.n);
  t.equal(Number(after.rows[0]?.n), (await migrationFileNames()).length);
});

t.test('every service schema exists', async (t) => {
  const { rows } = await sql<{ nspname: string }>`select nspname from pg_namespace`.execute(tdb.db);
  const names = rows.map((r) => r.nspname);
  for (const schema of SCHEMAS) t.ok(names.includes(schema), schema);
});

t.test('migration file names are timestamped', async (t) => {
  for (const f of await migrationFileNames()) t.match(f, /^\d{14}_[a-z0-9-]+\.ts$/);
});
