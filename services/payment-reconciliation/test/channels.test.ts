import { createTestDatabase } from '@rmi/db';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../src/app.js';

const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, paymentApp, { db: tdb.db, config: testConfig({}, PaymentConfigSchema) });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

t.test('lists the payment channels the notices name, each with its source', async (t) => {
  const collector = await createTestKey(tdb.db, 'collector', { regionCode: '500230209200' });
  const res = await app.inject({ method: 'GET', url: '/v1/channels', headers: collector.headers });
  t.equal(res.statusCode, 200);
  const channels = res.json() as Array<{ code: string; kind: string; source: string }>;
  t.match(
    channels.find((c) => c.code === 'cash'),
    { kind: 'cash' },
  );
  t.match(
    channels.find((c) => c.code === 'pos'),
    { kind: 'offline' },
  );
  for (const c of channels) t.match(c.source, /^00[0-4]_[0-9a-f]{16}\.txt#/, `${c.code} cites a notice`);
});

t.test('without a key it is 401', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/channels' });
  t.equal(res.statusCode, 401);
  t.equal(res.json().code, 'UNAUTHENTICATED');
});
