import { createDb, createTestDatabase } from '@rmi/db';
import { buildApp, createTestKey, databaseOptions } from '@rmi/service-kit';
import t, { type Test } from 'tap';
import enrollmentApp, { SERVICE } from '../src/app.js';
import { enrollmentConfig, idNumbers, insertPerson, loadCq2026 } from './helpers.js';

// A season's last days: many collectors write at once just after the policy cache has expired.
// No transaction may wait for a second pool connection (the policy refresh), or the pool of 5
// deadlocks for good; and a pool that is merely busy answers 503 DATABASE_BUSY instead of hanging.

const LIZI_VILLAGE = '500230209200';
const idNumber = idNumbers();

/** The app on a pool of 5 with the sessions and timeouts its configuration gives in production. */
async function stack(t: Test, overrides: Record<string, string> = {}) {
  const tdb = await createTestDatabase();
  await loadCq2026(tdb.db);
  const config = enrollmentConfig({ POLICY_CACHE_MS: '1', DB_POOL_SIZE: '5', ...overrides });
  const db = createDb(tdb.url, databaseOptions(config, SERVICE));
  const app = await buildApp(SERVICE, enrollmentApp, { db, config });
  t.teardown(async () => {
    await app.close();
    await db.destroy();
    await tdb.destroy();
  });
  return { app, db };
}

const registerPerson = (db: Awaited<ReturnType<typeof stack>>['db']) =>
  insertPerson(db, idNumber(), { village: LIZI_VILLAGE });

/** Resolves with the answer, or with 'no answer' after `ms`: a frozen service must fail the test, not hang it. */
function within<T>(ms: number, answer: Promise<T>): Promise<T | 'no answer'> {
  return Promise.race([answer, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), ms).unref())]);
}

t.test('50 concurrent writes after the policy cache expired, on a pool of 5, are all answered', async (t) => {
  const { app, db } = await stack(t);
  const operator = await createTestKey(db, 'township-operator', { regionCode: '500230209' });
  const service = await createTestKey(db, 'service');
  const people = await Promise.all(Array.from({ length: 25 }, () => registerPerson(db)));
  const payer = await registerPerson(db);
  await new Promise((r) => setTimeout(r, 20)); // the policy cache (1 ms) has expired

  const registrations = people.map((id) =>
    app.inject({
      method: 'POST',
      url: '/v1/enrolments',
      headers: operator.headers,
      payload: { idNumber: id, year: 2026 },
    }),
  );
  const payments = Array.from({ length: 25 }, () =>
    app.inject({
      method: 'PUT',
      url: '/v1/enrolment-payments/TAX-PRESSURE-1',
      headers: service.headers,
      payload: { idNumber: payer, year: 2026, paidOn: '2026-03-10', amountFen: 42000, regionCode: LIZI_VILLAGE },
    }),
  );
  const answers = await Promise.all([...registrations, ...payments].map((a) => within(20_000, a)));
  const unanswered = answers.filter((a) => a === 'no answer').length;
  t.equal(unanswered, 0, 'every request is answered');
  if (unanswered) return;
  const codes = answers.map((a) => (a === 'no answer' ? 0 : a.statusCode));
  t.same(
    codes.slice(0, 25).filter((c) => c !== 201),
    [],
    'every registration is made',
  );
  const paid = codes.slice(25);
  t.equal(paid.filter((c) => c === 201).length, 1, 'the payment is applied once');
  t.equal(paid.filter((c) => c === 200).length, 24, 'its repeats change nothing');
  const ready = await within(5_000, app.inject({ url: '/ready' }));
  t.equal(ready === 'no answer' ? 0 : ready.statusCode, 200, 'the service is ready afterwards');
});

t.test(
  'a pool held by slow work answers 503 DATABASE_BUSY within the acquire timeout, and /ready within its own',
  async (t) => {
    const { app, db } = await stack(t, { DB_ACQUIRE_TIMEOUT_MS: '300', READY_TIMEOUT_MS: '500' });
    const operator = await createTestKey(db, 'township-operator', { regionCode: '500230209' });
    // Warm the key cache while a connection is still free.
    t.equal((await app.inject({ url: '/v1/me', headers: operator.headers })).statusCode, 200);
    // Hold all five connections of the pool the app uses.
    const release: Array<() => void> = [];
    const held = Array.from({ length: 5 }, () =>
      db.connection().execute(
        (c) =>
          new Promise<void>((resolve) => {
            release.push(resolve);
            void c;
          }),
      ),
    );
    while (release.length < 5) await new Promise((r) => setTimeout(r, 10));
    try {
      const id = idNumber();
      const busy = await within(
        5_000,
        app.inject({
          method: 'POST',
          url: '/v1/persons',
          headers: operator.headers,
          payload: { idNumber: id, name: '测试', hukouRegionCode: LIZI_VILLAGE, category: 'resident' },
        }),
      );
      t.not(busy, 'no answer', 'answered while the pool is held');
      if (busy !== 'no answer') {
        t.equal(busy.statusCode, 503);
        t.match(busy.headers['content-type'], /application\/problem\+json/);
        t.match(busy.json(), { code: 'DATABASE_BUSY' });
        t.ok(busy.headers['retry-after'], 'says when to retry');
      }
      const ready = await within(3_000, app.inject({ url: '/ready' }));
      t.not(ready, 'no answer', '/ready answers within its own timeout');
      if (ready !== 'no answer') {
        t.equal(ready.statusCode, 503);
        t.match(ready.json(), { status: 'not-ready', checks: { database: 'busy' } });
      }
    } finally {
      for (const r of release) r();
      await Promise.all(held);
    }
    t.equal((await app.inject({ url: '/ready' })).statusCode, 200, 'ready again once the pool is free');
  },
);

t.test('sessions carry statement and idle-in-transaction timeouts', async (t) => {
  const { db } = await stack(t);
  const { rows } = await (await import('kysely')).sql<{ statement: string; idle: string }>`
    select current_setting('statement_timeout') as statement,
           current_setting('idle_in_transaction_session_timeout') as idle`.execute(db);
  t.not(rows[0]?.statement, '0', 'statement_timeout is set');
  t.not(rows[0]?.idle, '0', 'idle_in_transaction_session_timeout is set');
});
