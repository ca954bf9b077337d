import { createTestDatabase } from '@rmi/db';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import reportingApp, { SERVICE } from '../src/app.js';

const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, reportingApp, { db: tdb.db, config: testConfig() });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const query = (headers: Record<string, string>, q: string) =>
  app.inject({ method: 'POST', url: '/graphql', headers, payload: { query: q } });

t.test('a dashboard key reads its county and the townships and villages inside', async (t) => {
  const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
  const res = await query(
    dash.headers,
    '{ region(code: "500230209") { name level childCount children { code level } } }',
  );
  t.equal(res.statusCode, 200);
  const region = res.json().data.region;
  t.equal(region.name, '栗子乡');
  t.equal(region.level, 'township');
  t.equal(region.children.length, region.childCount);
  t.ok(
    region.children.every(
      (c: { code: string; level: string }) => c.level === 'village' && c.code.startsWith('500230209'),
    ),
  );
});

t.test('provinces outside the key are not listed and other regions are OUT_OF_SCOPE', async (t) => {
  const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: '141181' });
  const roots = await query(dash.headers, '{ regions { code } }');
  t.same(roots.json().data.regions, [{ code: '14' }], 'only the province on the way down');
  const other = await query(dash.headers, '{ region(code: "500230") { name } }');
  t.equal(other.json().errors[0].extensions.code, 'OUT_OF_SCOPE');
});

t.test('roles other than readers may not query', async (t) => {
  const collector = await createTestKey(tdb.db, 'collector', { regionCode: '500230209200' });
  const res = await query(collector.headers, '{ regions { code } }');
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'FORBIDDEN_ROLE');
});

t.test('GraphiQL is served without a key', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/graphiql' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/html/);
});
