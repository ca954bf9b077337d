// contracts/payments.md "Recording a payment", on payment-reconciliation alone: no SERVICE_API_KEY,
// so every payment stays `recorded` (the applier is off) and nothing reaches enrollment. What
// enrollment does with them is test/payments-apply.test.ts.
import { createTestDatabase } from '@rmi/db';
import { maxOutboxId, outboxSince } from '@rmi/outbox/testing';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../src/app.js';

const COUNTY = '500230'; // 丰都县
const LIZI = '500230209'; // 栗子乡
const NANJIANG = '500230209200'; // 南江村
const JIANLONG = '500230209201'; // 建龙村
const DESHENG = '500230102200'; // 社坛镇 德盛村

const tdb = await createTestDatabase();
const db = tdb.db;
const app = await buildApp(SERVICE, paymentApp, { db, config: testConfig({}, PaymentConfigSchema) });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const nanjiang = await createTestKey(db, 'collector', { regionCode: NANJIANG });
const jianlong = await createTestKey(db, 'collector', { regionCode: JIANLONG });
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const shetan = await createTestKey(db, 'township-operator', { regionCode: '500230102' });
const county = await createTestKey(db, 'county-operator', { regionCode: COUNTY });
const admin = await createTestKey(db, 'admin');

let serial = 0;
/** A fresh valid ID number of someone born in 1982 in Fengdu. */
function idNumber(): string {
  serial += 1;
  const first17 = `50023019820${1 + (serial % 9)}${String(10 + (serial % 18))}${String(serial).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

let vouchers = 0;
/** A payment as a collector's collection client (代征客户端) sends it: cq-2025 tier 1, 400 yuan (003#五(二)). */
function payment(overrides: Record<string, unknown> = {}) {
  vouchers += 1;
  return {
    channel: 'collection-client',
    voucherNumber: `TAX-${String(vouchers).padStart(6, '0')}`,
    idNumber: idNumber(),
    year: 2025,
    amountFen: 40_000,
    paidAt: '2024-11-15T10:30:00+08:00',
    ...overrides,
  };
}

type Headers = Record<string, string>;
const post = (payload: unknown, headers: Headers = nanjiang.headers) =>
  app.inject({ method: 'POST', url: '/v1/payments', headers, payload: payload as object });
const get = (url: string, headers: Headers = nanjiang.headers) => app.inject({ method: 'GET', url, headers });
const reverse = (id: string, payload: unknown, headers: Headers = nanjiang.headers) =>
  app.inject({ method: 'POST', url: `/v1/payments/${id}/reversal`, headers, payload: payload as object });
const retry = (id: string, headers: Headers = nanjiang.headers) =>
  app.inject({ method: 'POST', url: `/v1/payments/${id}/retry`, headers });

const rowsOf = (voucher: string) =>
  db.selectFrom('payment.payments').selectAll().where('voucher_number', '=', voucher).execute();
const auditOf = (action: string, paymentId: string) =>
  db.selectFrom('core.audit_log').selectAll().where('action', '=', action).where('entity_id', '=', paymentId).execute();

t.test('a collector records a payment: 201 recorded in its village, audited and announced', async (t) => {
  const before = await maxOutboxId(db, 'payment');
  // 01:30 in Shanghai on the 15th is still the 14th in UTC: the payment day is Shanghai's.
  const body = payment({ paidAt: '2024-11-14T17:30:00Z', payerName: '王伟', assistanceFen: 0 });
  const res = await post(body);
  t.equal(res.statusCode, 201, res.body);
  const answer = res.json();
  t.same(Object.keys(answer).sort(), ['paymentId', 'status']);
  t.equal(answer.status, 'recorded');

  const read = await get(`/v1/payments/${answer.paymentId}`);
  t.equal(read.statusCode, 200);
  t.match(read.json(), {
    paymentId: answer.paymentId,
    channel: 'collection-client',
    voucherNumber: body.voucherNumber,
    idNumber: body.idNumber,
    year: 2025,
    tier: null,
    amountFen: 40_000,
    assistanceFen: 0,
    paidAt: '2024-11-14T17:30:00.000Z',
    paidOn: '2024-11-15',
    villageCode: NANJIANG,
    payerName: '王伟',
    source: 'api',
    importId: null,
    status: 'recorded',
    problem: null,
    attempts: 0,
    appliedAt: null,
    reversal: null,
  });

  const [audit] = await auditOf('payment.record', answer.paymentId);
  t.match(audit, { service: SERVICE, actor_key_id: nanjiang.id, region_code: NANJIANG, entity: 'payment' });
  const events = (await outboxSince(db, 'payment', before)).filter((e) => e.payload.paymentId === answer.paymentId);
  t.same(
    events.map((e) => e.topic),
    ['payment.recorded'],
  );
  t.same(events[0]?.payload, {
    paymentId: answer.paymentId,
    channel: 'collection-client',
    idNumber: body.idNumber,
    year: 2025,
    villageCode: NANJIANG,
    amountFen: 40_000,
    assistanceFen: 0,
    paidOn: '2024-11-15',
  });
});

t.test(
  '20 concurrent identical POSTs with one Idempotency-Key make one payment and 20 identical answers',
  async (t) => {
    const before = await maxOutboxId(db, 'payment');
    const body = payment();
    const headers = { ...nanjiang.headers, 'idempotency-key': 'client-7f3a' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body, headers)));
    t.same(answers.map((r) => r.statusCode).sort(), [...Array(19).fill(200), 201], 'one 201, the rest 200');
    const bodies = new Set(answers.map((r) => r.body));
    t.equal(bodies.size, 1, 'every answer the same');
    const rows = await rowsOf(body.voucherNumber);
    t.equal(rows.length, 1, 'one payment row');
    const paymentId = answers[0]?.json().paymentId as string;
    t.equal(rows[0]?.id, paymentId);
    t.equal((await auditOf('payment.record', paymentId)).length, 1, 'audited once');
    const events = (await outboxSince(db, 'payment', before)).filter((e) => e.payload.paymentId === paymentId);
    t.equal(events.length, 1, 'announced once');

    // The key answers the first payment even when the retry's body differs (another voucher).
    const again = await post({ ...body, voucherNumber: 'TAX-RETRY-OTHER' }, headers);
    t.equal(again.statusCode, 200);
    t.equal(again.json().paymentId, paymentId);
    t.equal((await rowsOf('TAX-RETRY-OTHER')).length, 0, 'nothing recorded for the retried body');

    // Keys are per caller: another collector's same key is another request.
    const other = await post(payment(), { ...jianlong.headers, 'idempotency-key': 'client-7f3a' });
    t.equal(other.statusCode, 201);
    t.not(other.json().paymentId, paymentId);
  },
);

t.test('the same voucher and content answers the first payment; other content is 409 VOUCHER_REUSED', async (t) => {
  const body = payment();
  const answers = await Promise.all(Array.from({ length: 10 }, () => post(body)));
  t.same(answers.map((r) => r.statusCode).sort(), [...Array(9).fill(200), 201]);
  const paymentId = answers[0]?.json().paymentId as string;
  t.ok(
    answers.every((r) => r.json().paymentId === paymentId),
    'every answer names the one payment',
  );

  // The same instant written in another offset is the same content.
  const sameInstant = await post({ ...body, paidAt: '2024-11-15T02:30:00Z' });
  t.equal(sameInstant.statusCode, 200);
  t.equal(sameInstant.json().paymentId, paymentId);

  for (const change of [{ amountFen: 35_000 }, { idNumber: idNumber() }, { paidAt: '2024-11-16T10:30:00+08:00' }]) {
    const res = await post({ ...body, ...change });
    t.equal(res.statusCode, 409, JSON.stringify(change));
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { code: 'VOUCHER_REUSED', paymentId, detail: new RegExp(paymentId) });
  }
  // The voucher is per channel: the same number on another channel is another payment.
  const otherChannel = await post({ ...body, channel: 'wechat' });
  t.equal(otherChannel.statusCode, 201);
  t.equal((await rowsOf(body.voucherNumber)).length, 2);
});

t.test('a bad body is 400 listing every bad field; an unknown channel 422 UNKNOWN_CHANNEL', async (t) => {
  const res = await post({
    channel: 'WeChat Pay',
    voucherNumber: 'has space',
    idNumber: '500230198201010012',
    year: 1999,
    tier: 3,
    amountFen: -1,
    assistanceFen: 1.5,
    paidAt: '2024-11-15',
    villageCode: '5002302092',
  });
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 'VALIDATION_FAILED');
  const paths = (res.json().errors as Array<{ path: string }>).map((e) => e.path);
  for (const field of [
    'channel',
    'voucherNumber',
    'idNumber',
    'year',
    'tier',
    'amountFen',
    'assistanceFen',
    'paidAt',
    'villageCode',
  ]) {
    t.ok(paths.includes(`body.${field}`), `names body.${field}`);
  }
  const missing = await post({});
  t.same((missing.json().errors as Array<{ path: string }>).map((e) => e.path).sort(), [
    'body.amountFen',
    'body.channel',
    'body.idNumber',
    'body.paidAt',
    'body.voucherNumber',
    'body.year',
  ]);

  const unknown = await post(payment({ channel: 'alipay-hk' }));
  t.equal(unknown.statusCode, 422);
  t.match(unknown.json(), { code: 'UNKNOWN_CHANNEL', errors: [{ path: 'body.channel' }] });

  const longKey = await post(payment(), { ...nanjiang.headers, 'idempotency-key': 'k'.repeat(201) });
  t.equal(longKey.statusCode, 400);
  t.match(longKey.json(), { code: 'VALIDATION_FAILED', errors: [{ path: 'headers.idempotency-key' }] });
});

t.test('scope: a collector records and reads in its own village only', async (t) => {
  const elsewhere = await post(payment({ villageCode: JIANLONG }));
  t.equal(elsewhere.statusCode, 403);
  t.equal(elsewhere.json().code, 'OUT_OF_SCOPE');

  const own = await post(payment({ villageCode: NANJIANG }));
  t.equal(own.statusCode, 201);
  const id = own.json().paymentId as string;
  const byNeighbour = await get(`/v1/payments/${id}`, jianlong.headers);
  t.equal(byNeighbour.statusCode, 403);
  t.equal(byNeighbour.json().code, 'OUT_OF_SCOPE');
  t.equal(
    (await reverse(id, { reversedAt: '2024-11-16T09:00:00+08:00', reason: 'x' }, jianlong.headers)).statusCode,
    403,
  );
  t.equal((await retry(id, jianlong.headers)).statusCode, 403);
  t.equal((await get(`/v1/payments/${id}`, lizi.headers)).statusCode, 200, 'its township reads it');
  t.equal((await get(`/v1/payments/${id}`, shetan.headers)).statusCode, 403, 'another township does not');

  // An operator places a payment of a person without an enrolment by the village it gives.
  const noVillage = await post(payment(), shetan.headers);
  t.equal(noVillage.statusCode, 400);
  t.match(noVillage.json(), { code: 'VALIDATION_FAILED', errors: [{ path: 'body.villageCode' }] });
  t.equal((await post(payment({ villageCode: NANJIANG }), shetan.headers)).statusCode, 403);
  t.equal((await post(payment({ villageCode: DESHENG }), shetan.headers)).statusCode, 201);

  const dashboard = await createTestKey(db, 'dashboard', { regionCode: COUNTY });
  const wrongRole = await post(payment(), dashboard.headers);
  t.equal(wrongRole.statusCode, 403);
  t.equal(wrongRole.json().code, 'FORBIDDEN_ROLE');
  t.equal((await get('/v1/payments/no-such-payment')).json().code, 'PAYMENT_NOT_FOUND');
});

t.test('payments are listed in pages within the key’s region, filtered', async (t) => {
  // 2026 payments are this test's alone.
  const inNanjiang = [];
  for (let i = 0; i < 5; i++) inNanjiang.push((await post(payment({ year: 2026 }))).json().paymentId as string);
  const inJianlong = [];
  for (let i = 0; i < 2; i++) {
    inJianlong.push((await post(payment({ year: 2026 }), jianlong.headers)).json().paymentId as string);
  }
  const desheng = (await post(payment({ year: 2026, villageCode: DESHENG }), admin.headers)).json().paymentId;

  async function all(query: string, headers: Headers) {
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/v1/payments?${query}${after ? `&after=${after}` : ''}`, headers);
      t.equal(res.statusCode, 200, res.body);
      const page = res.json() as { items: Array<{ paymentId: string }>; next: string | null };
      ids.push(...page.items.map((p) => p.paymentId));
      after = page.next;
      pages += 1;
    } while (after !== null && pages < 20);
    return { ids, pages };
  }

  const township = await all(`regionCode=${LIZI}&year=2026&limit=2`, lizi.headers);
  t.same(township.ids, [...inNanjiang, ...inJianlong], 'arrival order, each once, none outside the township');
  t.equal(township.pages, 4);
  t.same((await all('year=2026', jianlong.headers)).ids, inJianlong, 'a collector: its village by default');
  t.same((await all(`year=2026&regionCode=${NANJIANG}`, county.headers)).ids, inNanjiang);
  t.same((await all('year=2026', county.headers)).ids, [...inNanjiang, ...inJianlong, desheng]);
  t.same((await all('year=2026&limit=1000', admin.headers)).ids, [...inNanjiang, ...inJianlong, desheng]);

  const one = await get(`/v1/payments/${inJianlong[1]}`, jianlong.headers);
  const person = one.json().idNumber as string;
  t.same((await all(`idNumber=${person}`, county.headers)).ids, [inJianlong[1]]);
  t.same((await all('year=2026&status=parked', county.headers)).ids, []);
  t.same((await all('year=2026&channel=wechat', county.headers)).ids, []);

  const outside = await get(`/v1/payments?regionCode=${LIZI}`, jianlong.headers);
  t.equal(outside.statusCode, 403);
  t.equal(outside.json().code, 'OUT_OF_SCOPE');
  const badCursor = await get('/v1/payments?after=bm90LWEtY3Vyc29y', county.headers);
  t.equal(badCursor.statusCode, 400);
  t.match(badCursor.json(), { errors: [{ path: 'query.after' }] });
  const badQuery = await get('/v1/payments?status=lost&year=20x&limit=0', county.headers);
  t.equal(badQuery.statusCode, 400);
  t.same((badQuery.json().errors as Array<{ path: string }>).map((e) => e.path).sort(), [
    'querystring.limit',
    'querystring.status',
    'querystring.year',
  ]);
});

t.test('a reversal is recorded once, announced and audited; a second is 409 ALREADY_REVERSED', async (t) => {
  const body = payment();
  const paymentId = (await post(body)).json().paymentId as string;
  const early = await reverse(paymentId, { reversedAt: '2024-11-15T10:00:00+08:00', reason: '重复扣款' });
  t.equal(early.statusCode, 400, 'a reversal before the payment');
  t.match(early.json(), { errors: [{ path: 'body.reversedAt' }] });

  const before = await maxOutboxId(db, 'payment');
  const reversal = { reversedAt: '2024-11-16T23:30:00Z', reason: '重复扣款', voucherNumber: 'CZ-0001' };
  // Five at once: one reversal, four refusals.
  const answers = await Promise.all(Array.from({ length: 5 }, () => reverse(paymentId, reversal)));
  t.same(answers.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409]);
  const created = answers.find((r) => r.statusCode === 201)?.json();
  t.match(created, {
    paymentId,
    status: 'recorded',
    reversal: {
      reversedAt: '2024-11-16T23:30:00.000Z',
      reversedOn: '2024-11-17',
      reason: '重复扣款',
      voucherNumber: 'CZ-0001',
      // Never applied, so enrollment has nothing to undo.
      toldEnrollment: true,
    },
  });
  t.match(answers.find((r) => r.statusCode === 409)?.json(), { code: 'ALREADY_REVERSED', reversedOn: '2024-11-17' });
  t.match((await get(`/v1/payments/${paymentId}`)).json(), { reversal: { reversedOn: '2024-11-17' } });

  const events = (await outboxSince(db, 'payment', before)).filter((e) => e.payload.paymentId === paymentId);
  t.same(
    events.map((e) => e.topic),
    ['payment.reversed'],
  );
  t.match(events[0]?.payload, { amountFen: 40_000, reversedOn: '2024-11-17', villageCode: NANJIANG });
  t.equal((await auditOf('payment.reverse', paymentId)).length, 1);
  t.equal((await reverse('no-such-payment', reversal)).statusCode, 404);
});

t.test('retry: a parked payment goes back to the queue once; anything else is 409', async (t) => {
  const paymentId = (await post(payment())).json().paymentId as string;
  const notParked = await retry(paymentId);
  t.equal(notParked.statusCode, 409);
  t.match(notParked.json(), { code: 'NOT_PARKED', status: 'recorded' });

  // As the applier leaves a payment enrollment refused.
  await db
    .updateTable('payment.payments')
    .set({ status: 'parked', problem_code: 'AMOUNT_MISMATCH', problem_detail: 'Paid 40000 fen', attempts: 2 })
    .where('id', '=', paymentId)
    .execute();
  t.match((await get(`/v1/payments/${paymentId}`)).json(), {
    status: 'parked',
    problem: { code: 'AMOUNT_MISMATCH', detail: 'Paid 40000 fen' },
  });
  const answers = await Promise.all(Array.from({ length: 5 }, () => retry(paymentId)));
  t.same(answers.map((r) => r.statusCode).sort(), [200, 409, 409, 409, 409], 'retried once');
  t.match(answers.find((r) => r.statusCode === 200)?.json(), {
    paymentId,
    status: 'recorded',
    problem: null,
    attempts: 2,
  });
  const [audit] = await auditOf('payment.retry', paymentId);
  t.match(audit?.details, { problemCode: 'AMOUNT_MISMATCH' });
  const row = (await db.selectFrom('payment.payments').selectAll().where('id', '=', paymentId).execute())[0];
  t.ok(row && row.next_attempt_at.getTime() <= Date.now(), 'due at once');

  // A reversed payment is never applied: parked and reversed, it is not retried.
  await db.updateTable('payment.payments').set({ status: 'parked' }).where('id', '=', paymentId).execute();
  t.equal((await reverse(paymentId, { reversedAt: '2024-11-20T09:00:00+08:00', reason: '退费' })).statusCode, 201);
  const reversed = await retry(paymentId);
  t.equal(reversed.statusCode, 409);
  t.equal(reversed.json().code, 'PAYMENT_REVERSED');
  t.equal((await retry('no-such-payment')).statusCode, 404);
});
