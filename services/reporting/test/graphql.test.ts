import { createTestDatabase } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import reportingApp, { SERVICE } from '../src/app.js';
import { rebuildCounters } from '../src/counters/rebuild-counters.js';
import { reportingDb } from '../src/db.js';

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

t.test('enrolment progress against targets, from the counters kept from the views enrollment publishes', async (t) => {
  const V1 = '500230209001';
  const V2 = '500230209200';
  const persons = Array.from({ length: 5 }, (_, i) => {
    const first17 = `50023019800101${String(900 + i).padStart(3, '0')}`;
    return first17 + checkCharacter(first17);
  });
  await tdb.db
    .insertInto('enrollment.persons')
    .values(
      persons.map((id, i) => ({
        id_number: id,
        name: '测试',
        sex: 'male' as const,
        birth_date: '1980-01-01',
        hukou_region_code: i < 3 ? V1 : V2,
        category: 'resident' as const,
      })),
    )
    .execute();
  const paid = {
    status: 'paid' as const,
    paid_on: '2024-10-15',
    benefit_start: '2025-01-01',
    benefit_end: '2025-12-31',
    personal_fen: 40000,
    policy_id: 'cq-2025',
  };
  await tdb.db
    .insertInto('enrollment.enrolments')
    .values([
      { id_number: persons[0] as string, year: 2025, region_code: V1, ...paid },
      { id_number: persons[1] as string, year: 2025, region_code: V1, ...paid },
      { id_number: persons[2] as string, year: 2025, region_code: V1 },
      { id_number: persons[3] as string, year: 2025, region_code: V2, ...paid },
      { id_number: persons[4] as string, year: 2025, region_code: V2, status: 'cancelled', cancel_reason: 'moved' },
    ])
    .execute();
  await tdb.db
    .insertInto('core.targets')
    .values([
      { region_code: V1, year: 2025, target: 4, basis: 'loaded' },
      { region_code: V2, year: 2025, target: 2, basis: 'loaded' },
    ])
    .execute();
  await rebuildCounters({ db: reportingDb(tdb.db) });

  const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230209' });
  const res = await query(
    dash.headers,
    `{ enrolmentProgress(regionCode: "500230209", year: 2025) {
        total { code target registered paid cancelled completionRate }
        children { code name target paid completionRate } } }`,
  );
  const report = res.json().data.enrolmentProgress;
  t.same(report.total, { code: '500230209', target: 6, registered: 1, paid: 3, cancelled: 1, completionRate: 0.5 });
  t.match(
    report.children.find((c: { code: string }) => c.code === V1),
    { target: 4, paid: 2, completionRate: 0.5 },
  );
  t.match(
    report.children.find((c: { code: string }) => c.code === V2),
    { target: 2, paid: 1, completionRate: 0.5 },
  );
  t.ok(
    report.children.some(
      (c: { target: number | null; completionRate: number | null }) => c.target === null && c.completionRate === null,
    ),
    'villages without a target have no rate',
  );
  const outside = await query(
    dash.headers,
    '{ enrolmentProgress(regionCode: "500230", year: 2025) { total { paid } } }',
  );
  t.equal(outside.json().errors[0].extensions.code, 'OUT_OF_SCOPE');
});
