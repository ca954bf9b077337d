import { createDb } from '@rmi/db';
import { buildApp, createTestKey, databaseOptions } from '@rmi/service-kit';
import t from 'tap';
import enrollmentApp, { SERVICE } from '../src/app.js';
import { enrollmentConfig, idNumbers, insertPerson, loadCq2026, setup } from './helpers.js';

// POST /v1/enrolment-payments/batch: payment-reconciliation applies an import's payments in
// batches, each item applied as PUT applies one and answered on its own.
const { app, db, url } = await setup(t);
// The invented 2026 notice (test/fixtures): a resident pays 420 yuan in tier 1.
await loadCq2026(db);

const LIZI = '500230209';
const LIZI_VILLAGE = '500230209200';
const service = await createTestKey(db, 'service');
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const idNumber = idNumbers();
const person = () => insertPerson(db, idNumber(), { village: LIZI_VILLAGE });

const payment = (paymentId: string, id: string, amountFen = 42000) => ({
  paymentId,
  idNumber: id,
  year: 2026,
  paidOn: '2026-03-10',
  amountFen,
  channel: 'tax',
});

const batch = (items: unknown, headers = service.headers, on = app) =>
  on.inject({ method: 'POST', url: '/v1/enrolment-payments/batch', headers, payload: { items } });
const enrolment = (id: string) =>
  db
    .selectFrom('enrollment.enrolments')
    .selectAll()
    .where('id_number', '=', id)
    .where('year', '=', 2026)
    .executeTakeFirst();
const outboxCount = async () =>
  Number(
    (
      await db
        .selectFrom('enrollment.outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n,
  );
const auditCount = async () =>
  Number(
    (
      await db
        .selectFrom('core.audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n,
  );
const eventsFor = async (topic: string, id: string) =>
  (await db.selectFrom('enrollment.outbox').select('payload').where('topic', '=', topic).execute()).filter(
    (r) => (r.payload as { idNumber?: string }).idNumber === id,
  ).length;

t.test('a mixed batch is answered item by item, in order, and a refused item writes nothing', async (t) => {
  const [registered, payingUnregistered, paidBefore, mistaken, other] = await Promise.all(
    Array.from({ length: 5 }, () => person()),
  );
  const reg = await app.inject({
    method: 'POST',
    url: '/v1/enrolments',
    headers: lizi.headers,
    payload: { idNumber: registered, year: 2026 },
  });
  t.equal(reg.statusCode, 201);
  const before = await app.inject({
    method: 'PUT',
    url: '/v1/enrolment-payments/MIX-PAID-BEFORE',
    headers: service.headers,
    payload: payment('', paidBefore as string),
  });
  t.equal(before.statusCode, 201, 'one payment applied earlier through PUT');

  const stranger = idNumber();
  const items: unknown[] = [
    payment('MIX-1', registered as string),
    payment('MIX-PAID-BEFORE', paidBefore as string),
    payment('MIX-2', mistaken as string, 40000),
    payment('MIX-3', stranger),
    { ...payment('MIX-4', '110105194912310021'), amountFen: -5, year: 1999 },
    { idNumber: other, year: 2026, paidOn: '2026-03-10', amountFen: 42000 },
    payment('MIX-5', payingUnregistered as string),
    payment('MIX-6', registered as string),
    7,
  ];
  const res = await batch(items);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/json/);
  const { results } = res.json();
  t.equal(results.length, items.length, 'one answer per item');
  t.match(results[0], {
    paymentId: 'MIX-1',
    status: 'applied',
    enrolment: { idNumber: registered, status: 'covered', paymentId: 'MIX-1', paidFen: 42000, personalFen: 42000 },
  });
  t.match(results[1], {
    paymentId: 'MIX-PAID-BEFORE',
    status: 'already-applied',
    enrolment: before.json().enrolment,
  });
  t.match(results[2], {
    paymentId: 'MIX-2',
    status: 'refused',
    code: 'AMOUNT_MISMATCH',
    detail: /Paid 40000 fen/,
    details: { expectedFen: 42000, paidFen: 40000, standardFen: 42000, reasons: Array },
  });
  t.notOk(results[2].enrolment, 'a refused item carries no enrolment');
  t.match(results[3], { paymentId: 'MIX-3', status: 'refused', code: 'PERSON_NOT_FOUND' });
  t.notMatch(results[3].detail, stranger, 'ID numbers only masked');
  t.match(results[4], { paymentId: 'MIX-4', status: 'refused', code: 'VALIDATION_FAILED' });
  t.same(
    results[4].errors.map((e: { path: string }) => e.path).sort(),
    ['body.items.4.amountFen', 'body.items.4.idNumber', 'body.items.4.year'],
    'every bad field of the item, by its place in the batch',
  );
  t.match(results[5], {
    paymentId: null,
    status: 'refused',
    code: 'VALIDATION_FAILED',
    errors: [{ path: 'body.items.5.paymentId' }],
  });
  t.match(results[6], {
    paymentId: 'MIX-5',
    status: 'applied',
    enrolment: { idNumber: payingUnregistered, paymentId: 'MIX-5' },
  });
  t.match(results[7], { paymentId: 'MIX-6', status: 'refused', code: 'ALREADY_PAID', details: { paymentId: 'MIX-1' } });
  t.match(results[8], {
    paymentId: null,
    status: 'refused',
    code: 'VALIDATION_FAILED',
    errors: [{ path: 'body.items.8' }],
  });

  t.equal(await enrolment(mistaken as string), undefined, 'the mismatched payer was not registered by it');
  t.equal(await eventsFor('enrolment.registered', mistaken as string), 0);
  t.equal(await enrolment(stranger), undefined);
  t.equal(await enrolment(other as string), undefined, 'an invalid item is not applied');
  t.match(await enrolment(registered as string), { status: 'paid', payment_id: 'MIX-1' }, 'ALREADY_PAID left MIX-1');
  t.equal(await eventsFor('enrolment.paid', registered as string), 1);
  const audited = await db
    .selectFrom('core.audit_log')
    .select('details')
    .where('action', '=', 'enrolment.pay')
    .execute();
  t.same(
    audited
      .map((a) => (a.details as { paymentId: string }).paymentId)
      .filter((p) => p.startsWith('MIX'))
      .sort(),
    ['MIX-1', 'MIX-5', 'MIX-PAID-BEFORE'],
    'an audit row for each payment applied, none for a refused one',
  );
});

t.test('the same batch again applies nothing new and answers the same', async (t) => {
  const people = await Promise.all(Array.from({ length: 4 }, () => person()));
  const items = [
    payment('AGAIN-1', people[0] as string),
    payment('AGAIN-2', people[1] as string),
    payment('AGAIN-3', people[2] as string, 1),
    payment('AGAIN-4', people[3] as string),
  ];
  const first = (await batch(items)).json().results;
  t.same(
    first.map((r: { status: string }) => r.status),
    ['applied', 'applied', 'refused', 'applied'],
  );
  const outbox = await outboxCount();
  const audit = await auditCount();
  const again = (await batch(items)).json().results;
  t.same(
    again.map((r: { status: string }) => r.status),
    ['already-applied', 'already-applied', 'refused', 'already-applied'],
  );
  for (const i of [0, 1, 3]) t.same(again[i].enrolment, first[i].enrolment, `item ${i}: the enrolment as paid`);
  t.same(again[2], first[2], 'the refusal is the same');
  t.equal(await outboxCount(), outbox, 'no new event');
  t.equal(await auditCount(), audit, 'no new audit row');
});

t.test('two identical batches sent at once apply each payment once', async (t) => {
  const people = await Promise.all(Array.from({ length: 12 }, () => person()));
  // Half registered first, half paying without a registration (缴费即参保): both races are run.
  for (const id of people.slice(0, 6)) {
    await app.inject({
      method: 'POST',
      url: '/v1/enrolments',
      headers: lizi.headers,
      payload: { idNumber: id, year: 2026 },
    });
  }
  const items = people.map((id, i) => payment(`TWIN-${i}`, id as string));
  const answers = await Promise.all([batch(items), batch(items), batch(items)]);
  t.same(
    answers.map((a) => a.statusCode),
    [200, 200, 200],
  );
  for (const [i, id] of people.entries()) {
    const statuses = answers.map((a) => a.json().results[i].status).sort();
    t.same(statuses, ['already-applied', 'already-applied', 'applied'], `TWIN-${i} applied by one batch only`);
    t.equal(await eventsFor('enrolment.paid', id as string), 1, `TWIN-${i}: one event`);
    t.equal(await eventsFor('enrolment.registered', id as string), 1, `TWIN-${i}: registered once`);
    t.match(await enrolment(id as string), { status: 'paid', payment_id: `TWIN-${i}` });
  }
});

t.test('a malformed envelope is 400 for the batch; only a service key may send one', async (t) => {
  for (const [payload, path] of [
    [{ items: [] }, 'body.items'],
    [{ items: Array.from({ length: 501 }, (_, i) => payment(`BIG-${i}`, '110105194912310021')) }, 'body.items'],
    [{ items: 'all of them' }, 'body.items'],
    [{}, 'body.items'],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/enrolment-payments/batch',
      headers: service.headers,
      payload,
    });
    t.equal(res.statusCode, 400);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { code: 'VALIDATION_FAILED', errors: [{ path }] });
  }
  const operator = await batch([payment('ROLE-1', (await person()) as string)], lizi.headers);
  t.equal(operator.statusCode, 403);
  t.match(operator.json(), { code: 'FORBIDDEN_ROLE' });
});

t.test('500 payments in one batch are applied in one request', async (t) => {
  const people = await Promise.all(Array.from({ length: 500 }, () => person()));
  const started = Date.now();
  const res = await batch(people.map((id, i) => payment(`FULL-${i}`, id as string)));
  const ms = Date.now() - started;
  t.equal(res.statusCode, 200);
  const results = res.json().results as Array<{ paymentId: string; status: string }>;
  t.equal(results.filter((r) => r.status === 'applied').length, 500);
  t.same(
    results.slice(0, 3).map((r) => r.paymentId),
    ['FULL-0', 'FULL-1', 'FULL-2'],
    'in the order sent',
  );
  t.comment(`500 items in ${ms} ms`);
});

t.test('a database that stays busy on an item answers 503 for the batch; resent, it completes', async (t) => {
  // The app again, on a pool whose statements give up after 500 ms, as a loaded production pool would.
  const config = enrollmentConfig({ DB_STATEMENT_TIMEOUT_MS: '500' });
  const pool = createDb(url, databaseOptions(config, SERVICE));
  const impatient = await buildApp(SERVICE, enrollmentApp, { db: pool, config });
  t.teardown(async () => {
    await impatient.close();
    await pool.destroy();
  });
  const [first, locked, last] = await Promise.all([person(), person(), person()]);
  const items = [
    payment('BUSY-1', first as string),
    payment('BUSY-2', locked as string),
    payment('BUSY-3', last as string),
  ];
  // Another session holds the second payer's row: the item waits on it until its statement times out.
  let release = () => {};
  let holding = () => {};
  const held = new Promise<void>((r) => {
    holding = r;
  });
  const holder = db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('enrollment.persons')
      .select('id_number')
      .where('id_number', '=', locked as string)
      .forUpdate()
      .execute();
    holding();
    await new Promise<void>((r) => {
      release = r;
    });
  });
  await held;
  let busy: Awaited<ReturnType<typeof batch>>;
  try {
    busy = await batch(items, service.headers, impatient);
  } finally {
    release();
    await holder;
  }
  t.equal(busy.statusCode, 503);
  t.match(busy.headers['content-type'], /application\/problem\+json/);
  t.match(busy.json(), { code: 'DATABASE_BUSY' });
  t.ok(busy.headers['retry-after'], 'says when to retry');
  t.match(await enrolment(first as string), { payment_id: 'BUSY-1' }, 'the item before was applied');
  t.equal(await enrolment(locked as string), undefined, 'the busy item was not');
  t.equal(await enrolment(last as string), undefined, 'nor any after it: the batch stopped');

  const resent = await batch(items, service.headers, impatient);
  t.equal(resent.statusCode, 200);
  t.same(
    resent.json().results.map((r: { status: string }) => r.status),
    ['already-applied', 'applied', 'applied'],
  );
});

t.test('the batch and reversal routes are in the OpenAPI document', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const paths = res.json().paths;
  t.ok(paths['/v1/enrolment-payments/batch']?.post?.responses?.['200'], 'the batch, with its answer');
  t.ok(paths['/v1/enrolment-payments/{paymentId}/reversal']?.post, 'the reversal');
});
