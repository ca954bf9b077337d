// Reconciliation runs over what the three services hold (contracts/payments.md, "Reconciliation
// runs"): enrolments made through enrollment's API, identities certified through a civil-affairs
// list posted to subsidy-identity, payments recorded as payment-reconciliation records them and
// applied to enrollment as its applier does, deaths told to enrollment as subsidy-identity tells
// them. Every class arises and is counted; the cut-off, comparisons, downloads, concurrent runs
// and scope are checked as an operator of 栗子乡 would see them. cq-2025: 400 yuan in tier 1,
// 低保 assisted with 360 (003_01f4ef08c34ea7cb.txt#五(二)).
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPaymentClient } from '@rmi/clients';
import { createTestDatabase } from '@rmi/db';
import { readWorkbook } from '@rmi/ingest/testing';
import paymentApp, { SERVICE as PAYMENT, PaymentConfigSchema } from '@rmi/payment-reconciliation/app';
import { checkCharacter, RECONCILIATION_CLASSES } from '@rmi/rules';
import { type Actor, buildApp, createChangeRunner, createTestKey, testConfig } from '@rmi/service-kit';
import subsidyIdentityApp, {
  SERVICE as SUBSIDY_IDENTITY,
  SubsidyIdentityConfigSchema,
} from '@rmi/subsidy-identity/app';
import { sql } from 'kysely';
import t from 'tap';
import { paymentDb } from '../services/payment-reconciliation/src/db.js';
import { writeEvents } from '../services/payment-reconciliation/src/events/outbox.js';
import { recordPayment } from '../services/payment-reconciliation/src/payments/record-payment.js';
import { runLock } from '../services/payment-reconciliation/src/reconciliations/run-statement.js';
import { enrollmentAlongside } from './helpers/enrollment-alongside.js';

const COUNTY = '500230'; // 丰都县
const TOWNSHIP = '500230209'; // 栗子乡
const NANJIANG = '500230209200'; // 南江村村民委员会, 栗子乡
const DESHENG = '500230102200'; // 德盛村村民委员会, 社坛镇
const YEAR = 2025;

const tdb = await createTestDatabase();
const enrollment = await enrollmentAlongside(tdb.db);
const identity = await buildApp(SUBSIDY_IDENTITY, subsidyIdentityApp, {
  db: tdb.db,
  config: testConfig({}, SubsidyIdentityConfigSchema),
});
const payment = await buildApp(PAYMENT, paymentApp, { db: tdb.db, config: testConfig({}, PaymentConfigSchema) });
await payment.listen({ port: 0, host: '127.0.0.1' });
t.teardown(async () => {
  await payment.close();
  await identity.close();
  await enrollment.close();
  await tdb.destroy();
});

const service = await createTestKey(tdb.db, 'service');
const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });
const shetan = await createTestKey(tdb.db, 'township-operator', { regionCode: '500230102' });
const county = await createTestKey(tdb.db, 'county-operator', { regionCode: COUNTY });
const civilAffairs = await createTestKey(tdb.db, 'department-feed', { department: 'civil-affairs' });

// Payments as payment-reconciliation records them: one change each, audited, with its event.
const change = createChangeRunner(paymentDb(tdb.db), { service: PAYMENT, writeEvents });
const recorder: Actor = { keyId: service.id, role: 'service', regionCode: null, department: null, requestId: 'test' };

let serial = 0;
const names = new Map<string, string>();
function idNumber(name: string): string {
  serial += 1;
  const birth = `1980${String((serial % 12) + 1).padStart(2, '0')}${String((serial % 28) + 1).padStart(2, '0')}`;
  const first17 = `500230${birth}${String(serial).padStart(3, '0')}`;
  const id = first17 + checkCharacter(first17);
  names.set(id, name);
  return id;
}

async function expectStatus(what: string, res: { statusCode: number; body: string }, status: number) {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
}

/** A person of the register, in 栗子乡 unless said otherwise, registered for 2025 unless `registered` is false. */
async function person(name: string, opts: { village?: string; registered?: boolean } = {}): Promise<string> {
  const id = idNumber(name);
  const village = opts.village ?? NANJIANG;
  const key = village.startsWith(TOWNSHIP) ? lizi : county;
  await expectStatus(
    'person',
    await enrollment.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: key.headers,
      payload: { idNumber: id, name, hukouRegionCode: village },
    }),
    201,
  );
  if (opts.registered !== false) {
    await expectStatus(
      'registration',
      await enrollment.inject({
        method: 'POST',
        url: '/v1/enrolments',
        headers: key.headers,
        payload: { idNumber: id, year: YEAR },
      }),
      201,
    );
  }
  return id;
}

let voucher = 0;
/** A payment recorded as the service records one (the person's part, and any 代缴 on their behalf). */
async function pay(
  id: string,
  amountFen: number,
  opts: { day?: string; assistanceFen?: number; village?: string } = {},
): Promise<{ paymentId: string; paidOn: string }> {
  voucher += 1;
  const day = opts.day ?? '2024-11-15';
  const outcome = await change(recorder, (c) =>
    recordPayment(c, {
      channel: 'wechat',
      voucherNumber: `WX-RECON-${voucher}`,
      idNumber: id,
      year: YEAR,
      tier: null,
      amountFen,
      assistanceFen: opts.assistanceFen ?? 0,
      paidAt: new Date(`${day}T10:30:00+08:00`),
      villageCode: opts.village ?? null,
      payerName: null,
      source: 'api',
      idempotencyKey: null,
    }),
  );
  return { paymentId: outcome.payment.id, paidOn: day };
}

/**
 * Applies a payment to its enrolment as the applier does (service key): 201 applied, or the
 * refusal enrollment answers (the payment then stays unapplied, as the applier parks it).
 */
async function apply(id: string, p: { paymentId: string; paidOn: string }, amountFen: number, status = 201) {
  const res = await enrollment.inject({
    method: 'PUT',
    url: `/v1/enrolment-payments/${p.paymentId}`,
    headers: service.headers,
    payload: { idNumber: id, year: YEAR, paidOn: p.paidOn, amountFen, channel: 'wechat' },
  });
  await expectStatus('payment applied', res, status);
}

/** 冲正: the reversal recorded, and enrollment told (its enrolment unpaid again). */
async function reverse(p: { paymentId: string }): Promise<void> {
  await tdb.db
    .insertInto('payment.reversals')
    .values({
      payment_id: p.paymentId,
      reversed_at: new Date('2024-12-01T09:00:00+08:00'),
      reversed_on: '2024-12-01',
      reason: '误缴',
      source: 'api',
    })
    .execute();
  await expectStatus(
    'reversal',
    await enrollment.inject({
      method: 'POST',
      url: `/v1/enrolment-payments/${p.paymentId}/reversal`,
      headers: service.headers,
      payload: { reversedOn: '2024-12-01', reason: '误缴' },
    }),
    200,
  );
}

let eventId = 0;
/** A death as subsidy-identity tells enrollment (`person.died`). */
async function died(id: string, diedOn: string): Promise<void> {
  eventId += 1;
  await expectStatus(
    'death',
    await enrollment.inject({
      method: 'POST',
      url: '/v1/events',
      headers: service.headers,
      payload: {
        source: 'subsidy-identity',
        events: [
          {
            id: eventId,
            topic: 'person.died',
            payload: { idNumber: id, diedOn, department: 'health' },
            createdAt: new Date().toISOString(),
          },
        ],
      },
    }),
    200,
  );
}

type Run = {
  runId: string;
  regionCode: string;
  asOf: string;
  counts: Record<string, number>;
  totalsFen: Record<string, number>;
  notes: string[];
};
async function run(key: { headers: { authorization: string } }, body: object): Promise<Run> {
  const res = await payment.inject({ method: 'POST', url: '/v1/reconciliations', headers: key.headers, payload: body });
  await expectStatus('run', res, 201);
  return res.json();
}
type Item = {
  idNumber: string;
  name: string | null;
  class: string;
  expectedFen: number | null;
  paidFen: number;
  owedFen: number | null;
  paymentIds: string[];
};
async function items(runId: string, query = ''): Promise<Item[]> {
  const res = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${runId}/items?limit=1000${query}`,
    headers: lizi.headers,
  });
  await expectStatus('items', res, 200);
  return res.json().items;
}
const counted = (counts: Partial<Record<string, number>>) =>
  Object.fromEntries(RECONCILIATION_CLASSES.map((c) => [c, counts[c] ?? 0]));

// ---- What the township holds before the cut-off -------------------------------------------------

const P = {
  matched: await person('王伟'),
  unpaid: await person('李芳'),
  notEnrolled: idNumber('张敏'), // paid, never registered
  underpaid: await person('刘洋'),
  overpaid: await person('陈静'),
  duplicate: await person('杨磊'),
  reversed: await person('赵丽'),
  reversedLater: await person('黄强'),
  owed: await person('周娟'),
  mismatch: await person('吴军'),
  assisted: await person('徐艳'),
  diedPaid: await person('孙涛'),
  diedUnpaid: await person('马超'),
  elsewhere: await person('朱琳', { village: DESHENG }),
};

await apply(P.matched, await pay(P.matched, 40_000), 40_000);
await pay(P.notEnrolled, 40_000, { village: NANJIANG });
// enrollment refuses an amount that is not the personal part (AMOUNT_MISMATCH): the registration stays unpriced.
await apply(P.underpaid, await pay(P.underpaid, 30_000), 30_000, 422);
await apply(P.overpaid, await pay(P.overpaid, 50_000), 50_000, 422);
await apply(P.duplicate, await pay(P.duplicate, 40_000), 40_000);
await apply(P.duplicate, await pay(P.duplicate, 40_000, { day: '2024-11-16' }), 40_000, 409);
const reversedPayment = await pay(P.reversed, 40_000);
await apply(P.reversed, reversedPayment, 40_000);
await reverse(reversedPayment);
const laterReversed = await pay(P.reversedLater, 40_000);
await apply(P.reversedLater, laterReversed, 40_000);
// Paid in full before civil affairs certified them: enrollment priced 400 yuan, nothing assisted.
await apply(P.owed, await pay(P.owed, 40_000), 40_000);
await apply(P.diedPaid, await pay(P.diedPaid, 40_000, { day: '2024-11-20' }), 40_000);
await apply(P.elsewhere, await pay(P.elsewhere, 40_000), 40_000);

// Civil affairs' list: 低保 since 2024-10-01, so on the payment days too.
const csv = [
  '身份证号码,姓名,身份类别,镇（街）,村（居）,纳入时间',
  ...[P.owed, P.mismatch, P.assisted].map((id) => `${id},${names.get(id)},城乡低保对象,栗子乡,南江村,2024-10-01`),
].join('\r\n');
const feed = await identity.inject({
  method: 'POST',
  url: '/v1/feeds/civil-affairs/batches?mode=snapshot&period=2024-11',
  headers: { ...civilAffairs.headers, 'content-type': 'text/csv' },
  payload: `${csv}\r\n`,
});
await expectStatus('civil affairs list', feed, 201);

// Certified before paying: enrollment asks 40 yuan of them. One 代缴 of 300 instead of 360, one of 360.
await apply(P.mismatch, await pay(P.mismatch, 4000, { assistanceFen: 30_000 }), 4000);
await apply(P.assisted, await pay(P.assisted, 4000, { assistanceFen: 36_000 }), 4000);

// A death reported after the payment it precedes: the paid enrolment stands, the payment was after the death.
await died(P.diedPaid, '2024-11-10');
// A death that cancels a registration not yet paid; money arrives after it (enrollment refuses it).
await died(P.diedUnpaid, '2024-11-10');
await apply(P.diedUnpaid, await pay(P.diedUnpaid, 40_000, { day: '2024-11-20' }), 40_000, 409);

const cutOff = (await sql<{ at: Date }>`select clock_timestamp() as at`.execute(tdb.db)).rows[0]?.at as Date;
await sleep(20);
const before = await run(lizi, { regionCode: TOWNSHIP, year: YEAR, asOf: cutOff.toISOString() });

// ---- After the cut-off --------------------------------------------------------------------------

await apply(P.unpaid, await pay(P.unpaid, 40_000), 40_000);
await reverse(laterReversed);
const lateStranger = idNumber('林峰');
await pay(lateStranger, 40_000, { village: NANJIANG });

const after = await run(lizi, { regionCode: TOWNSHIP, year: YEAR });
const again = await run(lizi, { regionCode: TOWNSHIP, year: YEAR, asOf: cutOff.toISOString() });

t.test('every class arises in the township and is counted, with the totals an operator reads', async (t) => {
  t.same(
    before.counts,
    counted({
      matched: 3,
      unpaid: 1,
      'paid-not-enrolled': 1,
      underpaid: 1,
      overpaid: 1,
      duplicate: 1,
      reversed: 1,
      'assistance-owed': 1,
      'assistance-mismatch': 1,
      'paid-after-death': 2,
    }),
  );
  t.same(before.totalsFen, { expectedFen: 332_000, paidFen: 408_000, owedFen: 36_000, unmatchedFen: 40_000 });
  t.same(before.notes, [], 'cq-2025 has its assistance table');
  const byId = new Map((await items(before.runId)).map((i) => [i.idNumber, i]));
  t.equal(byId.size, 13);
  t.notOk(byId.has(P.elsewhere), '社坛镇 is not 栗子乡');
  t.match(byId.get(P.matched), { class: 'matched', name: '王伟', expectedFen: 40_000, paidFen: 40_000, owedFen: null });
  t.match(byId.get(P.unpaid), { class: 'unpaid', expectedFen: 40_000, paidFen: 0, paymentIds: [] });
  t.match(byId.get(P.notEnrolled), { class: 'paid-not-enrolled', name: null, expectedFen: null, paidFen: 40_000 });
  t.match(byId.get(P.underpaid), { class: 'underpaid', expectedFen: 40_000, paidFen: 30_000 });
  t.match(byId.get(P.overpaid), { class: 'overpaid', expectedFen: 40_000, paidFen: 50_000 });
  t.match(byId.get(P.duplicate), { class: 'duplicate', paidFen: 80_000 });
  t.equal(byId.get(P.duplicate)?.paymentIds.length, 2);
  t.match(byId.get(P.reversed), { class: 'reversed', paidFen: 0, paymentIds: [reversedPayment.paymentId] });
  t.match(byId.get(P.assisted), { class: 'matched', expectedFen: 4000, paidFen: 4000 });
  t.match(byId.get(P.mismatch), { class: 'assistance-mismatch', expectedFen: 4000, paidFen: 4000 });
  t.match(byId.get(P.diedPaid), { class: 'paid-after-death', name: '孙涛' });
  t.match(byId.get(P.diedUnpaid), { class: 'paid-after-death', name: '马超', expectedFen: null });
});

t.test(
  'a payer certified 低保 on the payment day who paid the full part is owed the assistance (事后资助)',
  async (t) => {
    const owed = await items(before.runId, '&class=assistance-owed');
    t.same(
      owed.map((i) => [i.idNumber, i.name, i.expectedFen, i.paidFen, i.owedFen]),
      [[P.owed, '周娟', 4000, 40_000, 36_000]],
    );
  },
);

t.test('the cut-off leaves out payments and reversals recorded after it', async (t) => {
  t.same(again.counts, before.counts);
  t.same(again.totalsFen, before.totalsFen);
  const res = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${before.runId}/compare/${again.runId}`,
    headers: lizi.headers,
  });
  t.same(res.json(), { a: before.runId, b: again.runId, items: [], next: null }, 'no person-year changed class');
  t.same(
    after.counts,
    counted({
      matched: 3,
      'paid-not-enrolled': 2,
      underpaid: 1,
      overpaid: 1,
      duplicate: 1,
      reversed: 2,
      'assistance-owed': 1,
      'assistance-mismatch': 1,
      'paid-after-death': 2,
    }),
  );
});

t.test('compare lists exactly the person-years whose class changed, a page at a time', async (t) => {
  const seen: unknown[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const query: string = next ? `&after=${next}` : '';
    const res = await payment.inject({
      method: 'GET',
      url: `/v1/reconciliations/${before.runId}/compare/${after.runId}?limit=2${query}`,
      headers: lizi.headers,
    });
    t.equal(res.statusCode, 200);
    const body: { items: unknown[]; next: string | null } = res.json();
    seen.push(...body.items);
    next = body.next;
    pages += 1;
  } while (next !== null && pages < 10);
  t.same(
    seen,
    [
      { idNumber: P.unpaid, name: '李芳', before: 'unpaid', after: 'matched' },
      { idNumber: P.reversedLater, name: '黄强', before: 'matched', after: 'reversed' },
      { idNumber: lateStranger, name: null, before: null, after: 'paid-not-enrolled' },
    ].sort((a, b) => a.idNumber.localeCompare(b.idNumber)),
  );
  const reversedBack = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${after.runId}/compare/${before.runId}`,
    headers: lizi.headers,
  });
  t.match(
    reversedBack.json().items.find((i: { idNumber: string }) => i.idNumber === lateStranger),
    { before: 'paid-not-enrolled', after: null },
    'a person-year missing from the second run counts as changed',
  );
});

t.test('runs are stored and never change', async (t) => {
  const res = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${before.runId}`,
    headers: lizi.headers,
  });
  t.equal(res.statusCode, 200);
  t.same(res.json(), before);
  t.equal(before.asOf, cutOff.toISOString());
});

t.test('the items download as CSV and XLSX with Chinese headers, every row', async (t) => {
  const header = '身份证号码,姓名,村代码,核对结果,类别代码,应缴金额(元),实缴金额(元),应退资助金额(元),缴费记录';
  const res = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${after.runId}/items?format=csv`,
    headers: lizi.headers,
  });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.match(res.headers['content-disposition'], /attachment; filename="reconciliation-500230209-2025-all-/);
  t.ok(res.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'UTF-8 with BOM');
  const lines = res.rawPayload.subarray(3).toString('utf8').trim().split(/\r?\n/);
  t.equal(lines[0], header);
  t.equal(lines.length, 1 + 14);
  t.same(
    lines
      .find((l) => l.startsWith(P.owed))
      ?.split(',')
      .slice(0, 8),
    [P.owed, '周娟', NANJIANG, '应事后资助', 'assistance-owed', '40', '400', '360'],
  );

  const owedOnly = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${after.runId}/items?format=xlsx&class=assistance-owed`,
    headers: lizi.headers,
  });
  t.equal(owedOnly.statusCode, 200);
  const { name, rows } = await readWorkbook(owedOnly.rawPayload);
  t.equal(name, '对账明细');
  t.same(rows[0], header.split(','));
  t.equal(rows.length, 2);
  t.same(rows[1]?.slice(0, 8), [P.owed, '周娟', NANJIANG, '应事后资助', 'assistance-owed', 40, 400, 360]);

  const all = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${after.runId}/items?format=xlsx`,
    headers: lizi.headers,
  });
  t.equal((await readWorkbook(all.rawPayload)).rows.length, 1 + 14);
});

t.test('two runs of one region at once both complete, one after the other, each whole', async (t) => {
  const [one, two] = await Promise.all([
    run(lizi, { regionCode: TOWNSHIP, year: YEAR }),
    run(county, { regionCode: TOWNSHIP, year: YEAR }),
  ]);
  for (const r of [one, two]) {
    t.same(r.counts, after.counts);
    t.same(r.totalsFen, after.totalsFen);
    t.equal((await items(r.runId)).length, 14);
  }
  t.not(one.runId, two.runId);

  // A run waits for the one before it: here a run of the county's 2025 is held open by another session.
  let settled = false;
  let waiting: Promise<Run> | undefined;
  await tdb.db.transaction().execute(async (trx) => {
    await runLock(COUNTY, YEAR).execute(trx);
    waiting = run(lizi, { regionCode: TOWNSHIP, year: YEAR }).finally(() => {
      settled = true;
    });
    await sleep(400);
    t.notOk(settled, 'the run waits while a run of its county and year holds the lock');
  });
  t.same((await waiting)?.counts, after.counts, 'and completes once it is let go');
});

t.test('the county sees its townships; another township’s operator is refused', async (t) => {
  const whole = await run(county, { regionCode: COUNTY, year: YEAR });
  t.equal(whole.counts.matched, (after.counts.matched ?? 0) + 1, '社坛镇’s payer too');
  const read = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${after.runId}`,
    headers: county.headers,
  });
  t.equal(read.statusCode, 200);

  const refused = await payment.inject({
    method: 'POST',
    url: '/v1/reconciliations',
    headers: shetan.headers,
    payload: { regionCode: TOWNSHIP, year: YEAR },
  });
  t.equal(refused.statusCode, 403);
  t.equal(refused.json().code, 'OUT_OF_SCOPE');
  for (const url of [
    `/v1/reconciliations/${after.runId}`,
    `/v1/reconciliations/${after.runId}/items`,
    `/v1/reconciliations/${after.runId}/items?format=csv`,
    `/v1/reconciliations/${before.runId}/compare/${after.runId}`,
  ]) {
    const res = await payment.inject({ method: 'GET', url, headers: shetan.headers });
    t.equal(res.statusCode, 403, url);
  }
  const countyRun = await payment.inject({
    method: 'GET',
    url: `/v1/reconciliations/${whole.runId}`,
    headers: lizi.headers,
  });
  t.equal(countyRun.statusCode, 403, 'a township operator does not read the county’s run');
});

t.test('the payment client starts, reads, pages, downloads and compares runs', async (t) => {
  const client = createPaymentClient({
    baseUrl: `http://127.0.0.1:${(payment.server.address() as AddressInfo).port}`,
    apiKey: lizi.key,
  });
  t.teardown(() => client.close());
  const started = await client.startReconciliation({ regionCode: TOWNSHIP, year: YEAR });
  t.same(started.counts, after.counts);
  t.same(await client.getReconciliation(started.runId), started);
  const ids: string[] = [];
  let next: string | null = null;
  do {
    const page = await client.reconciliationItems(started.runId, { limit: 5, ...(next ? { after: next } : {}) });
    ids.push(...page.items.map((i) => i.idNumber));
    next = page.next;
  } while (next !== null);
  t.equal(ids.length, 14);
  t.same(ids, [...ids].sort(), 'in ID-number order');
  const file = await client.downloadReconciliationItems(started.runId, 'csv', { class: 'reversed' });
  t.equal(file.bytes.toString('utf8').trim().split(/\r?\n/).length, 1 + 2);
  const changes = await client.compareReconciliations(before.runId, started.runId);
  t.equal(changes.items.length, 3);
});
