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

const service = await createTestKey(tdb.db, 'service');
const PROBLEM = /^application\/problem\+json/;

const event = (id: number, topic = 'enrolment.paid') => ({
  id,
  topic,
  payload: { idNumber: '500230200001010018', year: 2025, regionCode: '500230209200', seq: id },
  createdAt: `2025-10-0${(id % 9) + 1}T08:00:00.000Z`,
});
const deliver = (body: unknown, headers: Record<string, string> = service.headers) =>
  app.inject({ method: 'POST', url: '/v1/events', headers, payload: body as object });
const stored = (source: string) =>
  tdb.db.selectFrom('reporting.received_events').selectAll().where('source', '=', source).orderBy('id').execute();

t.test('no key is 401, a dashboard key is 403, and nothing is stored', async (t) => {
  const batch = { source: 'refused', events: [event(1)] };
  const anonymous = await deliver(batch, {});
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.headers['content-type'], PROBLEM);
  t.equal(anonymous.json().code, 'UNAUTHENTICATED');

  const dashboard = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
  const refused = await deliver(batch, dashboard.headers);
  t.equal(refused.statusCode, 403);
  t.match(refused.headers['content-type'], PROBLEM);
  t.equal(refused.json().code, 'FORBIDDEN_ROLE');

  const revoked = await createTestKey(tdb.db, 'service');
  await tdb.db.updateTable('core.api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.id).execute();
  const gone = await deliver(batch, revoked.headers);
  t.equal(gone.statusCode, 401);
  t.equal(gone.json().code, 'KEY_REVOKED');

  t.same(await stored('refused'), [], 'nothing stored');
});

t.test('a batch is stored once: a redelivery counts duplicates and changes nothing', async (t) => {
  const first = await deliver({ source: 'enrollment', events: [event(1), event(2), event(3, 'person.registered')] });
  t.equal(first.statusCode, 200);
  t.match(first.headers['content-type'], /^application\/json/);
  t.same(first.json(), { received: 3, duplicates: 0 });
  const before = await stored('enrollment');
  t.same(
    before.map((r) => [r.id, r.topic]),
    [
      [1, 'enrolment.paid'],
      [2, 'enrolment.paid'],
      [3, 'person.registered'],
    ],
  );
  t.same(before[0]?.payload, event(1).payload, 'the payload is kept as sent');

  const again = await deliver({ source: 'enrollment', events: [event(1), event(2), event(3, 'person.registered')] });
  t.equal(again.statusCode, 200);
  t.same(again.json(), { received: 0, duplicates: 3 });
  t.same(await stored('enrollment'), before, 'rows, payloads and received_at unchanged');

  // A retried batch that grew while the first attempt failed: only the new events are stored.
  const grown = await deliver({ source: 'enrollment', events: [event(3, 'person.registered'), event(4)] });
  t.same(grown.json(), { received: 1, duplicates: 1 });

  // Ids are per source: another service's event 1 is not enrollment's.
  const other = await deliver({ source: 'payment-reconciliation', events: [event(1)] });
  t.same(other.json(), { received: 1, duplicates: 0 });
  t.equal((await stored('enrollment')).length, 4);
});

t.test('only a service key delivers: an admin key is refused before the batch is read', async (t) => {
  const admin = await createTestKey(tdb.db, 'admin');
  const res = await deliver({ source: 'admin-replay', events: [event(7)] }, admin.headers);
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'FORBIDDEN_ROLE');
  const stored = await tdb.db
    .selectFrom('reporting.received_events')
    .select('id')
    .where('source', '=', 'admin-replay')
    .execute();
  t.same(stored, [], 'nothing of it is stored');
});

t.test('a bad batch is 400 listing every bad field, and nothing of it is stored', async (t) => {
  const res = await deliver({
    source: 'Enrollment!',
    events: [
      event(10),
      { id: -1, topic: 'enrolment.paid', payload: {}, createdAt: '2025-10-01T08:00:00Z' },
      { id: 12, topic: '', payload: [], createdAt: 'yesterday' },
      { topic: 'enrolment.paid', payload: {}, createdAt: '2025-10-01T08:00:00Z' },
    ],
  });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], PROBLEM);
  const body = res.json();
  t.equal(body.code, 'VALIDATION_FAILED');
  const paths = body.errors.map((e: { path: string }) => e.path).sort();
  t.same(paths, [
    'body.events.1.id',
    'body.events.2.createdAt',
    'body.events.2.payload',
    'body.events.2.topic',
    'body.events.3.id',
    'body.source',
  ]);
  t.same(await stored('Enrollment!'), []);
  t.same(
    (await stored('enrollment')).filter((r) => r.id === 10),
    [],
    'the good event of a bad batch is not stored either',
  );

  const empty = await deliver({ source: 'enrollment', events: [] });
  t.equal(empty.statusCode, 400);
  t.same(
    empty.json().errors.map((e: { path: string }) => e.path),
    ['body.events'],
  );

  const missing = await deliver({});
  t.equal(missing.statusCode, 400);
  t.same(
    missing
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.events', 'body.source'],
  );
});

t.test('the same events delivered at once by racing deliveries are stored once and counted once', async (t) => {
  const batch = (from: number, to: number) => ({
    source: 'enrollment',
    events: Array.from({ length: to - from + 1 }, (_, i) => event(100 + from + i)),
  });
  // Three deliveries overlapping on 20..39: a replica's POST whose answer was lost, its retry,
  // and an operator's retry of a dead letter, all arriving together.
  const answers = await Promise.all([batch(0, 39), batch(20, 59), batch(20, 39)].map((b) => deliver(b)));
  t.same(
    answers.map((a) => a.statusCode),
    [200, 200, 200],
  );
  const counts = answers.map((a) => a.json() as { received: number; duplicates: number });
  t.equal(
    counts.reduce((n, c) => n + c.received, 0),
    60,
    'each of the 60 events counted once as received',
  );
  t.equal(
    counts.reduce((n, c) => n + c.duplicates, 0),
    40 + 40 + 20 - 60,
    'and every other copy as a duplicate',
  );
  const rows = (await stored('enrollment')).filter((r) => r.id >= 100 && r.id < 160);
  t.same(
    rows.map((r) => r.id),
    Array.from({ length: 60 }, (_, i) => 100 + i),
    'one row each',
  );
});

t.test('events of the three publishers are kept apart by source', async (t) => {
  const sources = ['enrollment', 'subsidy-identity', 'payment-reconciliation'];
  for (const source of sources) {
    t.same((await deliver({ source, events: [event(500, 'identity.added')] })).json(), { received: 1, duplicates: 0 });
  }
  const rows = await tdb.db.selectFrom('reporting.received_events').select('source').where('id', '=', 500).execute();
  t.same(rows.map((r) => r.source).sort(), [...sources].sort(), 'one event 500 per source');
});

t.test('the route is in the OpenAPI document', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.ok(res.json().paths['/v1/events']?.post, 'POST /v1/events documented');
});
