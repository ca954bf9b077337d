import { createTestDatabase } from '@rmi/db';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import reportingApp, { SERVICE } from '../src/app.js';

// contracts/reporting.md: every error carries a code; and, as everywhere, no error carries what a
// database said.

const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, reportingApp, { db: tdb.db, config: testConfig() });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});
const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
const query = (q: string, headers: Record<string, string> = dash.headers) =>
  app.inject({ method: 'POST', url: '/graphql', headers, payload: { query: q } });

t.test('a document that does not parse or fit the schema is 400 with VALIDATION_FAILED', async (t) => {
  for (const q of ['{ region(code: ', '{ region(code: "500230") { nosuchfield } }', '{ region { name } }']) {
    const res = await query(q);
    t.equal(res.statusCode, 400, q);
    const errors = res.json().errors as Array<{ extensions?: { code?: string } }>;
    t.ok(errors.length > 0);
    t.ok(
      errors.every((e) => e.extensions?.code === 'VALIDATION_FAILED'),
      `every error has a code: ${JSON.stringify(errors)}`,
    );
  }
});

t.test('a wrong role is refused before the query is read', async (t) => {
  const collector = await createTestKey(tdb.db, 'collector', { regionCode: '500230209200' });
  const res = await query('{ this is not graphql', collector.headers);
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'FORBIDDEN_ROLE');
});

t.test('a failure inside a resolver is INTERNAL_ERROR with the request id, never the database message', async (t) => {
  // What a release ahead of its migration looks like from the dashboard: a view is missing.
  await sql`drop view reporting.v_regions cascade`.execute(tdb.db);
  const res = await query('{ region(code: "500230209") { name } }');
  const body = res.json();
  t.match(body.errors[0], { extensions: { code: 'INTERNAL_ERROR', requestId: /[0-9a-f-]{36}/ } });
  t.notMatch(JSON.stringify(body), /v_regions|relation|does not exist|select/i, 'nothing of the SQL or its error');
});
