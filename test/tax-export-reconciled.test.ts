// A tax bureau's export from upload to reconciliation (contracts/payments.md, "Importing exports"
// and "Reconciliation runs"): registrations made on enrollment, the export imported on
// payment-reconciliation, its payments taken to enrollment by the applier over a real socket, and
// a run classing each person: a 冲正 row paired to its original makes `reversed`, a line the
// re-run export repeats counts once (`matched`), and two vouchers for one person are `duplicate`.
// cq-2025: 400 yuan in tier 1 (003_01f4ef08c34ea7cb.txt#五(二)).
import type { AddressInfo } from 'node:net';
import { createPaymentClient } from '@rmi/clients';
import { createTestDatabase } from '@rmi/db';
import { waitFor } from '@rmi/outbox/testing';
import paymentApp, { SERVICE as PAYMENT, PaymentConfigSchema } from '@rmi/payment-reconciliation/app';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { personId, type TaxRow, taxCsv } from '../services/payment-reconciliation/test/fixtures/tax-export.js';
import { enrollmentAlongside } from './helpers/enrollment-alongside.js';

const TOWNSHIP = '500230209'; // 栗子乡
const VILLAGE = '500230209200'; // 南江村
const YEAR = 2025;

const tdb = await createTestDatabase();
const service = await createTestKey(tdb.db, 'service');
const enrollment = await enrollmentAlongside(tdb.db);
await enrollment.listen({ port: 0, host: '127.0.0.1' });
const payment = await buildApp(PAYMENT, paymentApp, {
  db: tdb.db,
  config: testConfig(
    {
      SERVICE_API_KEY: service.key,
      ENROLLMENT_URL: `http://127.0.0.1:${(enrollment.server.address() as AddressInfo).port}`,
      APPLY_POLL_MS: '50',
    },
    PaymentConfigSchema,
  ),
});
await payment.listen({ port: 0, host: '127.0.0.1' });
const office = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });
const client = createPaymentClient({
  baseUrl: `http://127.0.0.1:${(payment.server.address() as AddressInfo).port}`,
  apiKey: office.key,
});
t.teardown(async () => {
  await client.close();
  await payment.close();
  await enrollment.close();
  await tdb.destroy();
});

const [paysOnce, reversed, repeated, twice] = [0, 1, 2, 3].map((n) => personId(7_000 + n)) as [
  string,
  string,
  string,
  string,
];

async function registered(idNumber: string, name: string) {
  for (const [url, payload] of [
    ['/v1/persons', { idNumber, name, hukouRegionCode: VILLAGE }],
    ['/v1/enrolments', { idNumber, year: YEAR }],
  ] as const) {
    const res = await enrollment.inject({ method: 'POST', url, headers: office.headers, payload });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  }
}

const row = (voucher: string, idNumber: string, extra: Partial<TaxRow> = {}): TaxRow => ({
  voucher,
  idNumber,
  paidAt: '2024-11-15 10:30:00',
  amount: '400.00',
  ...extra,
});

t.test('a tax export with a 冲正 row and a re-run duplicate reconciles person by person', async (t) => {
  await registered(paysOnce, '王伟');
  await registered(reversed, '李芳');
  await registered(repeated, '张强');
  await registered(twice, '刘洋');

  const first = await client.importPayments(
    {
      data: taxCsv([row('T-001', paysOnce), row('T-002', reversed), row('T-003', repeated), row('T-004', twice)]),
      contentType: 'text/csv',
    },
    { source: 'tax', year: YEAR, fileName: '缴费明细-第一次.csv' },
  );
  t.match(first.counts, { new: 4, reversals: 0, errors: 0 });

  // The bureau runs the export again a week later: the earlier lines come back (one of them twice
  // in the file), with a 冲正 row voiding T-002 and a second voucher for a person already paid.
  const rerun = await client.importPayments(
    {
      data: taxCsv([
        row('T-001', paysOnce),
        row('T-002', reversed),
        row('T-003', repeated),
        row('T-003', repeated),
        row('T-004', twice),
        row('T-005', reversed, { amount: '-400.00', reversal: '是', original: 'T-002', paidAt: '2024-11-20 09:00:00' }),
        row('T-006', twice, { paidAt: '2024-11-21 15:00:00' }),
      ]),
      contentType: 'text/csv',
    },
    { source: 'tax', year: YEAR, fileName: '缴费明细-重跑.csv' },
  );
  t.match(rerun.counts, { new: 1, reversals: 1, unchanged: 4, duplicateRows: 1, errors: 0 });

  // The applier takes every payment to enrollment before the run: none is left `recorded`, and
  // the reversed one is never applied (or is unpaid again once told).
  await waitFor('the applier done with the imports', async () => {
    const left = await sql<{ n: number }>`select count(*)::int as n from payment.payments p
      where p.status = 'recorded' and not exists (select 1 from payment.reversals r where r.payment_id = p.id)`.execute(
      tdb.db,
    );
    return left.rows[0]?.n === 0 ? true : undefined;
  });

  const run = await client.startReconciliation({ regionCode: TOWNSHIP, year: YEAR });
  const items = await client.reconciliationItems(run.runId, { limit: 100 });
  const classOf = (id: string) => items.items.find((i) => i.idNumber === id)?.class;
  t.equal(classOf(paysOnce), 'matched', 'one voucher, exactly the personal part');
  t.equal(classOf(reversed), 'reversed', 'the 冲正 row voids its original: nothing counts');
  t.equal(classOf(repeated), 'matched', 'a line the re-run repeats is one payment, not two');
  t.equal(classOf(twice), 'duplicate', 'two vouchers for one person-year');
  t.match(run.counts, { matched: 2, reversed: 1, duplicate: 1 });
  t.equal(run.totalsFen.paidFen, 4 * 40_000, 'the money that counts: three people, one of them twice');
});
