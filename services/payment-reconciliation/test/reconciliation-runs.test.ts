// Reconciliation runs on payment-reconciliation alone (contracts/payments.md, "Reconciliation
// runs"): who may start and read them, what a run says when the policy cannot decide, the
// region of money without an enrolment, runs that cannot be compared, and a run that takes too
// long. The classes over real enrolments and identities are in test/reconciliation-runs.test.ts.
import { createTestDatabase } from '@rmi/db';
import { checkCharacter, RECONCILIATION_CLASSES } from '@rmi/rules';
import { type Actor, buildApp, createChangeRunner, createTestKey, testConfig } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../src/app.js';
import { paymentDb } from '../src/db.js';
import { writeEvents } from '../src/events/outbox.js';
import { recordPayment } from '../src/payments/record-payment.js';
import { runLock } from '../src/reconciliations/run-statement.js';

const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, paymentApp, { db: tdb.db, config: testConfig({}, PaymentConfigSchema) });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const admin = await createTestKey(tdb.db, 'admin');
const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: '500230209' });
const shetan = await createTestKey(tdb.db, 'township-operator', { regionCode: '500230102' });
const collector = await createTestKey(tdb.db, 'collector', { regionCode: '500230209200' });

const change = createChangeRunner(paymentDb(tdb.db), { service: SERVICE, writeEvents });
const recorder: Actor = { keyId: admin.id, role: 'admin', regionCode: null, department: null, requestId: 'test' };

let serial = 0;
function idNumber(): string {
  serial += 1;
  const first17 = `50023019900${(serial % 9) + 1}15${String(serial).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

let voucher = 0;
/** Money for a person enrollment does not know, with the village the payer named. */
async function pay(id: string, village: string, amountFen: number, year = 2025) {
  voucher += 1;
  const { payment } = await change(recorder, (c) =>
    recordPayment(c, {
      channel: 'pos',
      voucherNumber: `POS-${voucher}`,
      idNumber: id,
      year,
      tier: 1,
      amountFen,
      assistanceFen: 0,
      paidAt: new Date('2024-11-15T09:00:00+08:00'),
      villageCode: village,
      payerName: null,
      source: 'api',
      idempotencyKey: null,
    }),
  );
  return payment.id;
}

const start = (target: FastifyInstance, key: { headers: { authorization: string } }, payload: object) =>
  target.inject({ method: 'POST', url: '/v1/reconciliations', headers: key.headers, payload });

t.test('money without an enrolment is the region’s by the village it names, and counted once per person', async (t) => {
  const twice = idNumber();
  const first = await pay(twice, '500230209200', 40_000);
  const second = await pay(twice, '500230209200', 40_000);
  await pay(idNumber(), '500230102200', 40_000); // 社坛镇
  const res = await start(app, lizi, { regionCode: '500230209', year: 2025 });
  t.equal(res.statusCode, 201);
  const run = res.json();
  t.same(
    run.counts,
    Object.fromEntries(RECONCILIATION_CLASSES.map((c) => [c, c === 'paid-not-enrolled' ? 1 : 0])),
    'every class listed, zeros too',
  );
  t.same(run.totalsFen, { expectedFen: 0, paidFen: 80_000, owedFen: 0, unmatchedFen: 80_000 });
  t.equal(run.regionCode, '500230209');
  const items = await app.inject({
    method: 'GET',
    url: `/v1/reconciliations/${run.runId}/items`,
    headers: lizi.headers,
  });
  t.same(items.json(), {
    items: [
      {
        idNumber: twice,
        name: null,
        villageCode: '500230209200',
        class: 'paid-not-enrolled',
        expectedFen: null,
        paidFen: 80_000,
        owedFen: null,
        paymentIds: [first, second].sort(),
      },
    ],
    next: null,
  });
  const audit = await tdb.db
    .selectFrom('core.audit_log')
    .select(['action', 'actor_key_id', 'region_code'])
    .where('entity_id', '=', run.runId)
    .execute();
  t.same(audit, [{ action: 'reconciliation.run', actor_key_id: lizi.id, region_code: '500230209' }]);
});

t.test('a run says what the policy in force could not decide', async (t) => {
  const noTable = (await start(app, admin, { regionCode: '500230', year: 2024 })).json();
  t.match(noTable.notes, [/^cq-2024 has no assistance table/]);
  const noPolicy = (await start(app, admin, { regionCode: '500230', year: 2030 })).json();
  t.match(noPolicy.notes, [/^No policy in force covers 500230 in 2030/]);
  const read = await app.inject({ method: 'GET', url: `/v1/reconciliations/${noTable.runId}`, headers: admin.headers });
  t.same(read.json().notes, noTable.notes, 'kept with the run');
});

t.test('who may start and read runs', async (t) => {
  const other = await start(app, shetan, { regionCode: '500230209', year: 2025 });
  t.equal(other.statusCode, 403);
  t.equal(other.json().code, 'OUT_OF_SCOPE');
  const wider = await start(app, lizi, { regionCode: '500230', year: 2025 });
  t.equal(wider.statusCode, 403, 'a township operator does not run its county');
  const byCollector = await start(app, collector, { regionCode: '500230209200', year: 2025 });
  t.equal(byCollector.statusCode, 403);
  t.equal(byCollector.json().code, 'FORBIDDEN_ROLE');
  const unknown = await app.inject({
    method: 'GET',
    url: '/v1/reconciliations/00000000-0000-4000-8000-000000000000',
    headers: lizi.headers,
  });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'RECONCILIATION_NOT_FOUND');
  const noKey = await app.inject({ method: 'POST', url: '/v1/reconciliations', payload: {} });
  t.equal(noKey.statusCode, 401);
});

t.test('bad requests are refused with every bad field named', async (t) => {
  const tooWide = await start(app, admin, { regionCode: '5002', year: 2025 });
  t.equal(tooWide.statusCode, 422);
  t.equal(tooWide.json().code, 'REGION_TOO_WIDE');
  const future = await start(app, admin, { regionCode: '500230', year: 2025, asOf: '2999-01-01T00:00:00+08:00' });
  t.equal(future.statusCode, 400);
  t.match(future.json().errors, [{ path: 'body.asOf' }]);
  const bad = await start(app, admin, { regionCode: 'x', year: 1900 });
  t.equal(bad.statusCode, 400);
  t.same(
    bad
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.regionCode', 'body.year'],
  );
  const run = (await start(app, admin, { regionCode: '500230209', year: 2025 })).json();
  const badClass = await app.inject({
    method: 'GET',
    url: `/v1/reconciliations/${run.runId}/items?class=lost&format=pdf`,
    headers: admin.headers,
  });
  t.equal(badClass.statusCode, 400);
  t.same(
    badClass
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['querystring.class', 'querystring.format'],
  );
});

t.test('only runs of one region and year compare', async (t) => {
  const a = (await start(app, admin, { regionCode: '500230209', year: 2025 })).json();
  const otherRegion = (await start(app, admin, { regionCode: '500230102', year: 2025 })).json();
  const otherYear = (await start(app, admin, { regionCode: '500230209', year: 2024 })).json();
  for (const b of [otherRegion, otherYear]) {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/reconciliations/${a.runId}/compare/${b.runId}`,
      headers: admin.headers,
    });
    t.equal(res.statusCode, 422);
    t.equal(res.json().code, 'RUNS_NOT_COMPARABLE');
  }
});

t.test('a run that outlasts RECONCILE_STATEMENT_TIMEOUT_MS is rolled back, nothing stored', async (t) => {
  const impatient = await buildApp(SERVICE, paymentApp, {
    db: tdb.db,
    config: testConfig({ RECONCILE_STATEMENT_TIMEOUT_MS: '300' }, PaymentConfigSchema),
  });
  t.teardown(() => impatient.close());
  const runs = async () =>
    (
      await tdb.db
        .selectFrom('payment.reconciliation_runs')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n;
  const stored = await runs();
  // Another run of the county's 2025 holds the queue longer than the limit allows.
  const res = await tdb.db.transaction().execute(async (trx) => {
    await runLock('500230', 2025).execute(trx);
    return start(impatient, lizi, { regionCode: '500230209', year: 2025 });
  });
  t.equal(res.statusCode, 503);
  t.equal(res.json().code, 'RECONCILIATION_TIMED_OUT');
  t.equal(await runs(), stored);
});
