import { createTestDatabase } from '@rmi/db';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import subsidyIdentityApp, { SERVICE, SubsidyIdentityConfigSchema } from '../src/app.js';

const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, subsidyIdentityApp, {
  db: tdb.db,
  config: testConfig({}, SubsidyIdentityConfigSchema),
});
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

t.test('lists every identity type of the contract with its department', async (t) => {
  const key = await createTestKey(tdb.db, 'county-operator', { regionCode: '500230' });
  const res = await app.inject({ method: 'GET', url: '/v1/identity-types', headers: key.headers });
  t.equal(res.statusCode, 200);
  const types = res.json() as Array<{
    code: string;
    department: string;
    labels: string[];
    cqAssistanceCode: string | null;
  }>;
  t.equal(types.length, 21);
  t.match(
    types.find((x) => x.code === 'subsistence-allowance'),
    { department: 'civil-affairs', labels: ['低保对象', '城乡低保对象'], cqAssistanceCode: '7019' },
  );
});

t.test('a department feed sees only its own department', async (t) => {
  const feed = await createTestKey(tdb.db, 'department-feed', { department: 'veterans-affairs' });
  const res = await app.inject({
    method: 'GET',
    url: '/v1/identity-types?department=civil-affairs',
    headers: feed.headers,
  });
  t.equal(res.statusCode, 200);
  const departments = new Set((res.json() as Array<{ department: string }>).map((x) => x.department));
  t.same([...departments], ['veterans-affairs']);
});

t.test('resolves printed labels, group labels and assistance numbers; lists the unknown', async (t) => {
  const key = await createTestKey(tdb.db, 'admin');
  const res = await app.inject({
    method: 'POST',
    url: '/v1/identity-types/resolve',
    headers: key.headers,
    payload: { identities: ['城乡低保对象', '监测对象', '7131', '村干部'] },
  });
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    codes: [
      'subsistence-allowance',
      'unstable-out-of-poverty',
      'marginal-at-risk',
      'sudden-hardship',
      'extreme-poverty',
    ],
    unknown: ['村干部'],
  });
});

t.test('an unknown department is a validation error naming the field', async (t) => {
  const key = await createTestKey(tdb.db, 'admin');
  const res = await app.inject({ method: 'GET', url: '/v1/identity-types?department=police', headers: key.headers });
  t.equal(res.statusCode, 400);
  t.equal(res.json().errors[0].path, 'querystring.department');
});
