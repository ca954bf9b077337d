import { IDENTITY_EVENTS, readEvent } from '@rmi/contracts';
import { createTestDatabase } from '@rmi/db';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import reportingApp, { SERVICE } from '../src/app.js';

// subsidy-identity's outbox delivers to reporting as to enrollment (contracts/identity-feeds.md):
// the identity events the special-group counters will be kept from are stored as they are sent.
const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, reportingApp, { db: tdb.db, config: testConfig() });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});
const service = await createTestKey(tdb.db, 'service');

const ID = '500230198001010015';
const BATCH = '2f0c6a4e-8a53-4c55-9a3b-2b8f4f1e7d10';
const events = [
  {
    id: 1,
    topic: 'identity.added',
    payload: {
      idNumber: ID,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      regionCode: '500230209200',
      validFrom: '2026-10-01',
      validTo: null,
      batchId: BATCH,
    },
    createdAt: '2026-10-02T01:00:00.000Z',
  },
  {
    id: 2,
    topic: 'identity.moved',
    payload: {
      idNumber: ID,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      fromRegionCode: '500230209200',
      regionCode: '500230209201',
      validFrom: '2026-11-01',
      batchId: BATCH,
    },
    createdAt: '2026-11-02T01:00:00.000Z',
  },
  {
    id: 3,
    topic: 'identity.ended',
    payload: {
      idNumber: ID,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      regionCode: '500230209201',
      validTo: '2026-11-30',
      reason: 'absent',
      batchId: BATCH,
    },
    createdAt: '2026-12-02T01:00:00.000Z',
  },
] as const;

const deliver = () =>
  app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: service.headers,
    payload: { source: 'subsidy-identity', events },
  });
const stored = () =>
  tdb.db
    .selectFrom('reporting.received_events')
    .select(['id', 'topic', 'payload'])
    .where('source', '=', 'subsidy-identity')
    .orderBy('id')
    .execute();

t.test('identity added, moved and ended from subsidy-identity are stored as sent, once', async (t) => {
  for (const e of events) {
    t.ok(IDENTITY_EVENTS[e.topic].safeParse(e.payload).success, `${e.topic}: a payload the publisher may send`);
  }
  const res = await deliver();
  t.equal(res.statusCode, 200);
  t.same(res.json(), { received: 3, duplicates: 0 });
  const rows = await stored();
  t.same(
    rows.map((r) => [r.id, r.topic]),
    [
      [1, 'identity.added'],
      [2, 'identity.moved'],
      [3, 'identity.ended'],
    ],
  );
  t.same(
    rows.map((r) => r.payload),
    events.map((e) => e.payload),
    'payloads kept as sent',
  );
  for (const r of rows) t.ok(readEvent(r).ok, `${r.topic} reads back with its schema`);

  t.same((await deliver()).json(), { received: 0, duplicates: 3 }, 'a redelivery adds nothing');
  t.equal((await stored()).length, 3);
});

t.test('concurrent deliveries of the same identity events store each once', async (t) => {
  const answers = await Promise.all(
    [10, 10, 10].map((offset) =>
      app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: service.headers,
        payload: { source: 'subsidy-identity', events: events.map((e) => ({ ...e, id: e.id + offset })) },
      }),
    ),
  );
  t.same(
    answers.map((a) => a.statusCode),
    [200, 200, 200],
  );
  t.equal(
    answers.reduce((n, a) => n + a.json().received, 0),
    3,
  );
  t.equal((await stored()).filter((r) => r.id > 10).length, 3);
});
