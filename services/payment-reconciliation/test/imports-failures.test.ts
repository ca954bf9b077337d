import { Readable } from 'node:stream';
import { createDb } from '@rmi/db';
import { maxOutboxId, waitFor } from '@rmi/outbox/testing';
import { buildApp, testConfig } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../src/app.js';
import { count, paymentsOf, postImport, setupImports } from './fixtures/imports-setup.js';
import { idNumbers, type TaxRow, taxCsv, V } from './fixtures/tax-export.js';

// contracts/payments.md "Importing exports": an import is applied in one transaction, so a
// failure midway (the database, the client, the process) leaves nothing of it; and two imports of
// one file at once make one set of payments.

const { app, db, url, tax, admin } = await setupImports(t);
const person = idNumbers(5000);

const exportOf = (prefix: string, n: number): TaxRow[] =>
  Array.from({ length: n }, (_, i) => ({
    voucher: `${prefix}${String(i).padStart(6, '0')}`,
    paidAt: '2025-03-01 10:00:00',
    idNumber: person(),
    amount: '400.00',
    region: i % 2 ? V.desheng : V.nanjiang,
  }));

t.test(
  'a statement that fails midway (a lock held past IMPORT_STATEMENT_TIMEOUT_MS) leaves no payment, the import failed',
  async (t) => {
    const config = testConfig({ LOG_LEVEL: 'silent', IMPORT_STATEMENT_TIMEOUT_MS: '700' }, PaymentConfigSchema);
    const pool = createDb(url, { max: 4 });
    const impatient = await buildApp(SERVICE, paymentApp, { db: pool, config });
    t.teardown(async () => {
      await impatient.close();
      await pool.destroy();
    });
    const rows = exportOf('3202531', 40);
    // Another session is recording the 30th voucher and has not committed: the import's insert
    // waits on it until its statement times out.
    let release = () => {};
    let holding = () => {};
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const holder = db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into payment.payments (channel, voucher_number, id_number, year, amount_fen, paid_at, paid_on, source)
                values ('tax-window', ${rows[29]!.voucher}, ${person()}, 2025, 100, now(), current_date, 'api')`.execute(
          trx,
        );
        holding();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        throw new Error('rolled back');
      })
      .catch(() => {});
    await held;
    const outbox = await maxOutboxId(db, 'payment');
    const res = await postImport(impatient, tax, taxCsv(rows));
    release();
    await holder;
    t.equal(res.statusCode, 500, res.body);
    t.match(res.json(), { code: 'IMPORT_FAILED', importId: String });
    t.notMatch(res.body, /statement timeout|canceling/i, 'no database message reaches the client');
    const importId = res.json().importId as string;
    t.equal((await paymentsOf(db)).filter((p) => p.import_id === importId).length, 0);
    t.equal(await count(db, 'payment.payments'), 0);
    t.equal(await maxOutboxId(db, 'payment'), outbox, 'no event');
    const progress = await app.inject({ method: 'GET', url: `/v1/payment-imports/${importId}`, headers: tax.headers });
    t.match(progress.json(), { status: 'failed', counts: { new: 0 } });

    const again = await postImport(app, tax, taxCsv(rows));
    t.equal(again.statusCode, 201, again.body);
    t.match(again.json().counts, { new: 40 });
  },
);

t.test('an upload cut off midway leaves no payment, the import failed', async (t) => {
  const before = await count(db, 'payment.payments');
  const file = taxCsv(exportOf('3202532', 300));
  const half = file.subarray(0, Math.floor(file.length / 2));
  const body = new Readable({ read() {} });
  body.push(half);
  setTimeout(() => body.destroy(new Error('aborted')), 30);
  const res = await postImport(app, tax, body).catch((err: Error) => ({
    statusCode: 0,
    body: err.message,
    json: () => ({}),
  }));
  t.not(res.statusCode, 201, res.body);
  // The service notices the body break off as it streams; the client may be gone by then.
  const status = await waitFor('the import settled', async () => {
    const { rows } = await sql<{ status: string }>`
      select status from payment.imports order by created_at desc limit 1`.execute(db);
    return rows[0]?.status !== 'computing' && rows[0]?.status;
  });
  t.equal(status, 'failed');
  t.equal(await count(db, 'payment.payments'), before);
});

t.test('an import whose process died is read as failed (IMPORT_INTERRUPTED), never as running for ever', async (t) => {
  const { rows } = await sql<{ id: string }>`
    insert into payment.imports (source, year, status, content_sha256, format, scope_region_code)
    values ('tax', 2025, 'computing', '', 'csv', '500230') returning id`.execute(db);
  const res = await app.inject({ method: 'GET', url: `/v1/payment-imports/${rows[0]?.id}`, headers: tax.headers });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { status: 'failed' });
});

t.test('two imports of one file at once record one set of payments', async (t) => {
  const rows = exportOf('3202533', 200);
  rows.push({
    ...rows[3]!,
    voucher: `${rows[3]!.voucher}R`,
    reversal: '是',
    original: rows[3]!.voucher,
    amount: '-400',
  });
  const file = taxCsv(rows);
  const payments = await count(db, 'payment.payments');
  const outbox = await maxOutboxId(db, 'payment');
  const [a, b] = await Promise.all([postImport(app, tax, file), postImport(app, admin, file)]);
  const answers = [a.json(), b.json()].sort((x, y) => y.counts.new - x.counts.new);
  t.match(answers[0], { status: 'applied', counts: { new: 200, reversals: 1, unchanged: 0 } });
  t.match(answers[1], { status: 'unchanged', counts: { new: 0, reversals: 0, unchanged: 201 } });
  t.equal(await count(db, 'payment.payments'), payments + 200);
  t.equal(await count(db, 'payment.reversals'), 1);
  t.equal((await maxOutboxId(db, 'payment')) - outbox, 2, 'one event per village and day, once');
});

t.test('an import racing the API for a voucher counts it once, as unchanged', async (t) => {
  const rows = exportOf('3202534', 50);
  const payments = await count(db, 'payment.payments');
  const target = rows[10]!;
  // The API records the same payment and commits while the import is comparing and inserting:
  // the import's insert meets it, and the import is applied again, seeing it recorded.
  let commit = () => {};
  let holding = () => {};
  const held = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const api = db.transaction().execute(async (trx) => {
    await sql`insert into payment.payments (channel, voucher_number, id_number, year, amount_fen, paid_at, paid_on, source, village_code)
              values ('tax-window', ${target.voucher}, ${target.idNumber}, 2025, 40000, '2025-03-01T10:00:00+08:00',
                      '2025-03-01', 'api', ${target.region})`.execute(trx);
    holding();
    await new Promise<void>((resolve) => {
      commit = resolve;
    });
  });
  await held;
  const posted = postImport(app, tax, taxCsv(rows));
  setTimeout(() => commit(), 300);
  const res = await posted;
  await api;
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json().counts, { new: 49, unchanged: 1, errors: 0 });
  t.equal(await count(db, 'payment.payments'), payments + 50);
});
